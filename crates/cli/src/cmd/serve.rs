//! `baseline serve` (the register as a web service, docs/serve.md) and `baseline token`
//! (API tokens: shown once, stored hashed, with scopes and an expiry).

use super::case::{print_json, runtime, Common};
use crate::output::TextOrJson;
use anyhow::{Context as _, Result};
use baseline_server::{AppState, Config};
use clap::{Args as ClapArgs, Subcommand};
use std::net::SocketAddr;
use std::process::ExitCode;

/// Serve the register: the public allegation form and register, and the JSON API.
#[derive(Debug, ClapArgs)]
pub struct ServeArgs {
    /// Address to listen on (put a TLS reverse proxy in front; see docs/serve.md).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Seed an empty register with demonstration users, cases, notices and an API token
    /// (default database ./baseline-demo.db).
    #[arg(long)]
    demo: bool,
    /// Allegations accepted per client address per minute.
    #[arg(long, default_value_t = 20)]
    allegations_per_minute: u32,
    /// API requests per client address per minute.
    #[arg(long, default_value_t = 600)]
    api_per_minute: u32,
    /// Leave `Secure` off cookies (only for plain-HTTP testing on a private network).
    #[arg(long)]
    insecure_cookies: bool,
    /// Background workers inside the service for uploaded firmware (0: leave the jobs to
    /// `baseline worker`).
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Move the service's clock forward (30d, 12h, 90m), for training and for testing
    /// statutory periods; every event is dated by the moved clock. Never in real casework.
    #[arg(long, value_name = "DURATION", hide_short_help = true)]
    clock_offset: Option<String>,
    #[command(flatten)]
    common: Common,
}

pub fn run_serve(mut args: ServeArgs) -> Result<ExitCode> {
    if args.demo
        && args.common.database.is_none()
        && std::env::var_os("BASELINE_DATABASE").is_none()
    {
        args.common.database = Some("./baseline-demo.db".into());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let key = args.common.key_path();
        if !key.exists() {
            super::case::write_new_key(&key)?;
        }
        let register = args.common.open().await?;
        if args.demo {
            let demo = (
                baseline_server::demo::DEMO_FIRMWARE,
                baseline_server::demo::DEMO_PRODUCT,
            );
            match baseline_server::demo::seed(&register, jiff::Timestamp::now(), Some(demo)).await?
            {
                Some(s) => eprintln!(
                    "demo register seeded: cases {}\n  officer API token (shown once): {}\n  sign in at /sign-in as {} with password `{}` and the TOTP key {} in an authenticator app (demo only)",
                    s.cases.join(", "),
                    s.token,
                    s.officer.0,
                    s.officer.1,
                    s.officer.2
                ),
                None => eprintln!("the register already has cases: not seeded again"),
            }
        }
        let clock = match &args.clock_offset {
            Some(d) => {
                let offset = baseline_register::tokens::parse_duration(d)
                    .with_context(|| format!("--clock-offset {d}"))?;
                eprintln!("warning: the service's clock is moved forward by {d}: not for real casework");
                baseline_register::time::Clock { offset_seconds: offset.as_secs() }
            }
            None => baseline_register::time::Clock::default(),
        };
        let config = Config {
            allegations_per_minute: args.allegations_per_minute,
            api_per_minute: args.api_per_minute,
            secure_cookies: !args.insecure_cookies,
            clock,
            workers: args.workers,
        };
        let shown = register.db.shown.clone();
        let state = AppState::new(register, config);
        baseline_server::serve(
            state,
            args.listen,
            |addr| eprintln!("serving {shown} on http://{addr}/ (Ctrl-C or SIGTERM stops)"),
            std::sync::Arc::new(|line| eprintln!("{line}")),
        )
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
        eprintln!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// API tokens.
#[derive(Debug, ClapArgs)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Make a token and print it once (only its SHA-256 is kept).
    ///
    /// Example: baseline token create --role officer --expires 30d
    Create {
        /// officer, team-lead, team-admin or auditor.
        #[arg(long)]
        role: String,
        /// Lifetime: 30d, 12h or 90m (at most 366 days).
        #[arg(long, value_name = "DURATION")]
        expires: String,
        /// Narrow the role's scopes (repeatable): cases:read, cases:write, allegations:read.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// The team whose cases it sees (default: the whole authority's).
        #[arg(long)]
        team: Option<String>,
    },
    /// List tokens (ids, roles, scopes, expiry; never the tokens).
    List,
    /// Revoke a token by id.
    Revoke { id: String },
}

pub fn run_token(args: TokenArgs) -> Result<ExitCode> {
    let c = &args.common;
    runtime()?.block_on(async {
        let r = c.open().await?;
        match args.command {
            TokenCommand::Create { role, expires, scopes, team } => {
                let lifetime = baseline_register::tokens::parse_duration(&expires)
                    .with_context(|| format!("--expires {expires}"))?;
                let (row, secret) = r.create_token(c.now()?, &c.actor(), &role, &scopes, lifetime, team.as_deref()).await?;
                match c.format {
                    TextOrJson::Json => print_json(&serde_json::json!({"id": row.id, "token": secret, "role": row.role, "scopes": serde_json::from_str::<serde_json::Value>(&row.scopes).unwrap_or_default(), "expires_at": row.expires_at}))?,
                    TextOrJson::Text => {
                        println!("{secret}");
                        eprintln!("token {} ({}, expires {}); shown once: keep it secret", row.id, row.role, row.expires_at);
                    }
                }
            }
            TokenCommand::List => {
                let list = r.tokens().await?;
                match c.format {
                    TextOrJson::Json => print_json(&list)?,
                    TextOrJson::Text => {
                        for t in &list {
                            println!("{} {:<10} expires {} {}{}", t.id, t.role, t.expires_at, t.scopes, t.revoked_at.as_deref().map(|r| format!(" revoked {r}")).unwrap_or_default());
                        }
                    }
                }
            }
            TokenCommand::Revoke { id } => {
                r.revoke_token(c.now()?, &c.actor(), &id).await?;
                println!("{id} revoked");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Users of the web service.
#[derive(Debug, ClapArgs)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Record a user and print their invitation (a page where they set a password and the
    /// TOTP second factor; valid 7 days).
    ///
    /// Example: baseline user add --email a.officer@opss.gov.uk --role officer --team "Connected products"
    Add {
        #[arg(long)]
        email: String,
        /// officer, team-lead, team-admin, auditor or respondent.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        team: Option<String>,
        /// For a respondent: the operator (legal name) they answer for.
        #[arg(long)]
        operator: Option<String>,
    },
    /// A new invitation for an existing user (earlier ones stop working).
    Invite { email: String },
    /// List the users.
    List,
}

fn print_invitation(c: &Common, email: &str, secret: &str) -> Result<()> {
    let path = format!("/invitation/{secret}");
    match c.format {
        TextOrJson::Json => print_json(&serde_json::json!({"email": email, "invitation": path}))?,
        TextOrJson::Text => {
            println!("{path}");
            eprintln!("invitation for {email}: open the service's address followed by the line above (valid 7 days; send it privately)");
        }
    }
    Ok(())
}

pub fn run_user(args: UserArgs) -> Result<ExitCode> {
    let c = &args.common;
    runtime()?.block_on(async {
        let r = c.open().await?;
        match args.command {
            UserCommand::Add {
                email,
                role,
                name,
                team,
                operator,
            } => {
                let u = baseline_register::people::NewUser {
                    email,
                    name,
                    role,
                    team,
                    operator,
                };
                r.add_user(c.now()?, &c.actor(), &u).await?;
                let email = u.email.trim().to_lowercase();
                let secret = r.invite(c.now()?, &c.actor(), &email).await?;
                print_invitation(c, &email, &secret)?;
            }
            UserCommand::Invite { email } => {
                let secret = r.invite(c.now()?, &c.actor(), &email).await?;
                print_invitation(c, &email.trim().to_lowercase(), &secret)?;
            }
            UserCommand::List => {
                let users = r.users().await?;
                match c.format {
                    TextOrJson::Json => print_json(&users)?,
                    TextOrJson::Text => {
                        for u in &users {
                            println!(
                                "{:<32} {:<11} {}",
                                u.email,
                                u.role,
                                u.team.as_deref().unwrap_or("-")
                            );
                        }
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Take jobs (assessments of uploaded firmware) from the register's queue: run as many as
/// there are machines to spare, against the same PostgreSQL register.
#[derive(Debug, ClapArgs)]
pub struct WorkerArgs {
    /// This worker's name in the jobs it holds (default: host and process id).
    #[arg(long)]
    name: Option<String>,
    /// Run until the queue is empty, then stop (default: wait for more until Ctrl-C).
    #[arg(long)]
    drain: bool,
    /// Seconds between looks at an empty queue.
    #[arg(long, default_value_t = 2)]
    idle_seconds: u64,
    /// Jobs run at once in this process (each a worker of its own name).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Move this worker's clock forward (90s, 12h), for tests of lease expiry: it then treats
    /// other workers' leases as run out sooner. Never in real work.
    #[arg(long, value_name = "DURATION", hide_short_help = true)]
    clock_offset: Option<String>,
    #[command(flatten)]
    common: Common,
}

pub fn run_worker(args: WorkerArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let name = args.name.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        format!("{}-{}", host.trim(), std::process::id())
    });
    let code = rt.block_on(async {
        let register = args.common.open().await?;
        eprintln!("worker {name} taking jobs from {}", register.db.shown);
        let offset = match &args.clock_offset {
            Some(d) => {
                let o = baseline_register::tokens::parse_duration(d)
                    .with_context(|| format!("--clock-offset {d}"))?;
                eprintln!(
                    "warning: this worker's clock is moved forward by {d}: not for real work"
                );
                o.as_secs()
            }
            None => 0,
        };
        let failed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // Ctrl-C or SIGTERM: each worker finishes the job it holds, then stops.
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let term = async {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{signal, SignalKind};
                    match signal(SignalKind::terminate()) {
                        Ok(mut s) => {
                            s.recv().await;
                        }
                        Err(_) => std::future::pending::<()>().await,
                    }
                }
                #[cfg(not(unix))]
                std::future::pending::<()>().await
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                () = term => {}
            }
            eprintln!("worker: stopping after the current jobs");
            let _ = stop_tx.send(true);
        });
        let mut handles = Vec::new();
        for i in 0..args.jobs.max(1) {
            let register = register.clone();
            let failed = std::sync::Arc::clone(&failed);
            let mut stop = stop_rx.clone();
            let name = if args.jobs > 1 {
                format!("{name}-{i}")
            } else {
                name.clone()
            };
            let drain = args.drain;
            let idle = std::time::Duration::from_secs(args.idle_seconds.max(1));
            handles.push(tokio::spawn(async move {
                let clock = move || {
                    baseline_register::time::Clock {
                        offset_seconds: offset,
                    }
                    .now()
                };
                if drain {
                    // The stop is looked at between jobs: a job started is finished.
                    while !*stop.borrow() {
                        match register.work_one(&name, &clock).await? {
                            baseline_register::jobs::Worked::Idle => break,
                            baseline_register::jobs::Worked::Ended(j) => {
                                if j.status != "done" {
                                    failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                }
                                eprintln!("{}", baseline_server::job_line(&j));
                            }
                        }
                    }
                } else {
                    let stopped = async move {
                        let _ = stop.wait_for(|s| *s).await;
                    };
                    register
                        .work(
                            &name,
                            &clock,
                            idle,
                            stopped,
                            &|j| eprintln!("{}", baseline_server::job_line(j)),
                            &|e| eprintln!("worker: {e}"),
                        )
                        .await;
                }
                anyhow::Ok(())
            }));
        }
        for h in handles {
            h.await.context("a worker stopped")??;
        }
        eprintln!("worker {name} stopped");
        anyhow::Ok(if failed.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })?;
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
    Ok(code)
}
