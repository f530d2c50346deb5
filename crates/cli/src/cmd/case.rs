//! `baseline register …` and `baseline case …`: the enforcement case register (docs/register.md).
//! Parse the arguments, call `baseline_register`, print the result (text or `--format json`).
//!
//! Exit codes: 0 done, 1 refused by a statutory rule (the refusal names the rule and its
//! section), 2 usage or input error (unknown case, malformed file…), which writes nothing.

use crate::output::TextOrJson;
use anyhow::{bail, Context as _, Result};
use baseline_register::chain;
use baseline_register::document::Format;
use baseline_register::people::{NewUser, OperatorRow};
use baseline_register::register::{NewCase, NewEvidence, NewNotice, NewPenalty, Register};
use baseline_register::{rules, time, Refusal};
use clap::{Args as ClapArgs, Subcommand};
use jiff::Timestamp;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options every register command takes.
#[derive(Debug, ClapArgs)]
pub(crate) struct Common {
    /// The register: a SQLite file (created when missing) or a postgres:// URL.
    /// Default: $BASELINE_DATABASE, else ./baseline-register.db.
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) database: Option<String>,
    /// The register's Ed25519 key, which signs checkpoints (default: beside a SQLite
    /// register, `FILE.key`; for PostgreSQL ./baseline-register.key or $BASELINE_REGISTER_KEY).
    #[arg(long, global = true, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Act as of this time (RFC 3339 or a date) instead of now, for rules that depend on it.
    #[arg(long, global = true, value_name = "RFC3339")]
    now: Option<String>,
    /// Who is acting, as recorded in the event chain (default: $USER).
    #[arg(long, global = true, value_name = "NAME")]
    actor: Option<String>,
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub(crate) format: TextOrJson,
}

impl Common {
    pub(crate) fn database(&self) -> String {
        self.database
            .clone()
            .or_else(|| {
                std::env::var("BASELINE_DATABASE")
                    .ok()
                    .filter(|v| !v.is_empty())
            })
            .unwrap_or_else(|| baseline_register::DEFAULT_DATABASE.to_owned())
    }

    pub(crate) fn key_path(&self) -> PathBuf {
        if let Some(k) = &self.key {
            return k.clone();
        }
        if let Some(k) = std::env::var_os("BASELINE_REGISTER_KEY").filter(|v| !v.is_empty()) {
            return PathBuf::from(k);
        }
        let db = self.database();
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            PathBuf::from("baseline-register.key")
        } else {
            PathBuf::from(format!("{db}.key"))
        }
    }

    pub(crate) fn now(&self) -> Result<Timestamp> {
        match &self.now {
            Some(s) => Ok(time::parse(s, "--now")?),
            None => Ok(Timestamp::now()),
        }
    }

    pub(crate) fn actor(&self) -> String {
        self.actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "cli".to_owned())
    }

    /// Open the register with its key when the key file exists.
    pub(crate) async fn open(&self) -> Result<Register> {
        let path = self.key_path();
        let key = match std::fs::read_to_string(&path) {
            Ok(text) => Some(chain::parse_key(&text, &path.display().to_string())?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("reading key {}", path.display())),
        };
        Ok(Register::open(&self.database(), key).await?)
    }
}

/// Manage the register itself.
#[derive(Debug, ClapArgs)]
pub struct RegisterArgs {
    #[command(subcommand)]
    command: RegisterCommand,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
enum RegisterCommand {
    /// Create the register (apply migrations) and its checkpoint key.
    ///
    /// Example: baseline register init --database postgres://opss@db/register
    Init,
    /// Sign a checkpoint of the chain head now.
    Checkpoint,
    /// List the statutory rules the register enforces, with citations and uncertain flags.
    Rules,
    /// Teams of the enforcement authority: `add NAME`, `list`.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Users (officers, team leads, admins, auditors, respondents): `add`, `list`.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Record or correct an economic operator's details (used in notices).
    ///
    /// Example: baseline register operator "Acme Devices Ltd" --company-number 01234567 --address "1 High St, Leeds" --country GB
    Operator {
        /// The operator's legal name (as given to `case open --operator`).
        name: String,
        #[arg(long)]
        company_number: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// ISO 3166-1 alpha-2 code (GB, CN, US…).
        #[arg(long)]
        country: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TeamCommand {
    /// Create a team.
    Add { name: String },
    /// List the teams.
    List,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Record a user.
    ///
    /// Example: baseline register user add --email a.officer@opss.gov.uk --role officer --team "Connected products"
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
    /// List the users.
    List,
}

/// Work with enforcement cases.
#[derive(Debug, ClapArgs)]
pub struct CaseArgs {
    #[command(subcommand)]
    command: CaseCommand,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
enum CaseCommand {
    /// Open a case; prints its id.
    ///
    /// Example: baseline case open --title "Camera X: fixed password" --product p.toml --operator "Acme Ltd" --role manufacturer
    Open {
        #[arg(long)]
        title: String,
        /// Product description (docs/product.md); its scope decision is stored with it.
        #[arg(long, value_name = "P.toml")]
        product: Option<PathBuf>,
        /// Economic operator's legal name (repeatable; each followed by --role).
        #[arg(long = "operator", value_name = "NAME")]
        operators: Vec<String>,
        /// manufacturer, importer, distributor or authorised-representative (one per --operator).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Every read of the case is recorded in the chain.
        #[arg(long)]
        restricted: bool,
        #[arg(long)]
        team: Option<String>,
        /// Open the case from this allegation (its attachments become evidence).
        #[arg(long, value_name = "REF")]
        allegation: Option<String>,
    },
    /// Allegations: `add`, `list`, `show`.
    Allegation {
        #[command(subcommand)]
        command: AllegationCommand,
    },
    /// List cases, newest first.
    List {
        /// triage, investigation, outcome or closed.
        #[arg(long)]
        status: Option<String>,
        /// At most this many (newest first).
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Show a case: operators, evidence with hashes, notices, penalties, appeals, timeline.
    Show { case: String },
    /// Evidence: `add CASE FILE --kind K`.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Assess firmware images and attach the images and the JSON report as evidence.
    ///
    /// Example: baseline case assess CASE-000001 fw.bin --product p.toml
    Assess {
        case: String,
        #[arg(required = true, value_name = "IMAGE")]
        images: Vec<PathBuf>,
        #[arg(long, value_name = "P.toml")]
        product: Option<PathBuf>,
        #[arg(long, value_name = "A.toml")]
        answers: Option<PathBuf>,
    },
    /// Notices: draft, intent, issue.
    Notice {
        #[command(subcommand)]
        command: NoticeCommand,
    },
    /// Give a penalty notice for one breach (s. 36, s. 38).
    ///
    /// Example: baseline case penalty CASE-000001 --breach psti:sch1-p1 --amount 250000 --worldwide-revenue 80000000
    Penalty {
        case: String,
        #[arg(long, value_name = "REQ")]
        breach: String,
        #[arg(long, value_name = "GBP")]
        amount: String,
        /// Qualifying worldwide revenue of the most recent complete accounting period.
        #[arg(long, value_name = "GBP")]
        worldwide_revenue: Option<String>,
        /// Daily penalty after the payment period.
        #[arg(long, value_name = "GBP")]
        daily: Option<String>,
        /// Days to pay (at least 28, s. 36(7)).
        #[arg(long, default_value_t = 28)]
        payment_days: i64,
        /// The reasons for the penalty, as the notice will state them.
        #[arg(long, default_value = "")]
        reasons: String,
        /// SHA-256 of evidence of this case the penalty rests on (repeatable).
        #[arg(long = "evidence", value_name = "SHA")]
        evidence: Vec<String>,
        /// A verdict or findings of an attached assessment: SHA/REQUIREMENT or SHA/CHECK-CODE
        /// (repeatable; SHA may be a unique prefix of 8+ hex digits).
        #[arg(long = "basis", value_name = "SHA/REF")]
        basis: Vec<String>,
    },
    /// Tasks with due dates: `add`, `done`, `list` (the register adds its own: consider
    /// representations, check compliance, check payment).
    Task {
        #[command(subcommand)]
        command: TaskCommand,
    },
    /// Record an appeal against an issued notice.
    Appeal {
        case: String,
        notice: String,
        /// When the appeal was lodged (RFC 3339 or a date).
        #[arg(long, value_name = "DATE")]
        lodged: String,
    },
    /// Close a case with an outcome and a reason.
    Close {
        case: String,
        /// no-further-action, informal-resolution, notice, penalty or referral.
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        reason: String,
    },
    /// Reopen a closed case with a reason.
    Reopen {
        case: String,
        #[arg(long)]
        reason: String,
    },
    /// Recompute the hash chain, checkpoints, evidence hashes and records; name the first
    /// that does not match (exit 1). With --bundle, check an exported bundle offline.
    ///
    /// Example: baseline case verify --bundle CASE-000001.zip --public-key 3b6a…
    Verify {
        case: Option<String>,
        /// A bundle written by `case export` (no register needed).
        #[arg(long, value_name = "ZIP", conflicts_with = "case")]
        bundle: Option<PathBuf>,
        /// The register's public key (hex), obtained from the regulator separately; without
        /// it the bundle's own key is used, which proves consistency, not origin.
        #[arg(long, value_name = "HEX", requires = "bundle")]
        public_key: Option<String>,
    },
    /// Write a self-contained bundle of a case (events, evidence, checkpoints, public key)
    /// that `case verify --bundle` checks offline.
    ///
    /// Example: baseline case export CASE-000001 -o CASE-000001.zip
    Export {
        case: String,
        #[arg(short = 'o', long, value_name = "ZIP")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AllegationCommand {
    /// Record an allegation of non-compliance; prints its reference (the sender's receipt).
    ///
    /// Example: baseline case allegation add --source consumer --brand Acme --model "Cam 2" --description "logs in with admin/admin"
    Add {
        /// consumer, security-researcher, regulator, market-sweep or manufacturer-notification.
        #[arg(long)]
        source: String,
        #[arg(long)]
        brand: String,
        #[arg(long)]
        model: String,
        #[arg(long)]
        description: String,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        where_bought: Option<String>,
        /// A file sent with it (repeatable).
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<PathBuf>,
    },
    /// List allegations, newest first.
    List {
        /// Only those not yet made a case.
        #[arg(long)]
        open: bool,
    },
    /// Show one allegation.
    Show { reference: String },
}

#[derive(Debug, Subcommand)]
enum EvidenceCommand {
    /// Add a file as evidence; prints its SHA-256.
    Add {
        case: String,
        file: PathBuf,
        /// firmware, assessment, site-archive, correspondence, photo, probe-report or other.
        #[arg(long)]
        kind: String,
    },
}

#[derive(Debug, Subcommand)]
enum NoticeCommand {
    /// Draft a notice citing the breached requirements and the evidence; prints its id.
    Draft {
        case: String,
        /// compliance, stop or recall.
        #[arg(long)]
        kind: String,
        /// Breached requirement (repeatable), e.g. psti:sch1-p1 or en303645:5.1-1.
        #[arg(long = "breach", value_name = "REQ", required = true)]
        breaches: Vec<String>,
        /// SHA-256 of evidence of this case the notice rests on (repeatable).
        #[arg(long = "evidence", value_name = "SHA")]
        evidence: Vec<String>,
        /// The reasons for the notice (s. 28(3)(a)).
        #[arg(long)]
        reasons: String,
        /// The steps the person must take (s. 28(4), s. 29(4)).
        #[arg(long)]
        steps: Option<String>,
        /// End of the period to comply or stop (s. 28(2), s. 29(2)); required to issue a
        /// compliance or stop notice.
        #[arg(long, value_name = "RFC3339")]
        comply_by: Option<String>,
        /// A verdict or findings of an attached assessment as the basis of the breach:
        /// SHA/REQUIREMENT (a failed verdict) or SHA/CHECK-CODE (repeatable; SHA may be a
        /// unique prefix of 8+ hex digits).
        #[arg(long = "basis", value_name = "SHA/REF")]
        basis: Vec<String>,
    },
    /// Send the notice of intent: the representations period starts (s. 28(5)-(6)).
    Intent {
        case: String,
        notice: String,
        /// End of the representations period (at least 10 days after now).
        #[arg(long, value_name = "RFC3339")]
        representations_end: Option<String>,
    },
    /// Issue the notice (refused before the representations period ends).
    Issue { case: String, notice: String },
    /// Write a notice (N-…) or penalty notice (P-…) as a document. A document sent or given
    /// is written byte for byte as stored; a draft is rendered now and marked DRAFT.
    ///
    /// Example: baseline case notice render CASE-000001 N-000001 -o notice.pdf
    Render {
        case: String,
        notice: String,
        /// html, pdf or json (default: from the -o extension, else html).
        #[arg(long = "as", value_name = "FORMAT")]
        as_format: Option<String>,
        /// Write here (atomically) instead of standard output.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum TaskCommand {
    /// Add a task; prints its id.
    ///
    /// Example: baseline case task add CASE-000001 --title "Test purchase" --due 2027-02-01
    Add {
        case: String,
        #[arg(long)]
        title: String,
        #[arg(long, value_name = "DATE")]
        due: String,
        /// A user's email.
        #[arg(long)]
        assignee: Option<String>,
    },
    /// Mark a task done.
    Done {
        case: String,
        task: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List open tasks, soonest due first (of one case, or all).
    List {
        case: Option<String>,
        /// Only those overdue (due before --now).
        #[arg(long)]
        overdue: bool,
        /// Done ones too.
        #[arg(long, conflicts_with = "overdue")]
        all: bool,
    },
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub(crate) fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Print a refusal and return exit 1.
fn refused(r: &Refusal, format: TextOrJson) -> Result<ExitCode> {
    match format {
        TextOrJson::Json => print_json(&serde_json::json!({"refused": r}))?,
        TextOrJson::Text => eprintln!("refused: {r}"),
    }
    Ok(ExitCode::from(crate::EXIT_FAIL))
}

fn done(format: TextOrJson, text: &str, json: serde_json::Value) -> Result<ExitCode> {
    match format {
        TextOrJson::Json => print_json(&json)?,
        TextOrJson::Text => println!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The document format of `case notice render`: `--as`, else the output's extension, else HTML.
fn document_format(as_format: Option<&str>, output: Option<&Path>) -> Result<Format> {
    let name = match as_format {
        Some(f) => f.to_ascii_lowercase(),
        None => output
            .and_then(|p| p.extension())
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .filter(|e| matches!(e.as_str(), "html" | "htm" | "pdf" | "json"))
            .unwrap_or_else(|| "html".into()),
    };
    Ok(match name.as_str() {
        "html" | "htm" => Format::Html,
        "pdf" => Format::Pdf,
        "json" => Format::Json,
        other => bail!("--as `{other}` is not html, pdf or json"),
    })
}

fn gbp(s: &str, what: &str) -> Result<i64> {
    match rules::parse_gbp(s) {
        Some(p) => Ok(p),
        None => bail!("{what} `{s}` is not an amount in pounds (e.g. 250000 or 12,500.50)"),
    }
}

pub fn run_register(args: RegisterArgs) -> Result<ExitCode> {
    let c = &args.common;
    runtime()?.block_on(async {
        match args.command {
            RegisterCommand::Init => {
                let path = c.key_path();
                let created = if path.exists() {
                    false
                } else {
                    write_new_key(&path)?;
                    true
                };
                let r = c.open().await?;
                let v = r.db.schema_version().await?;
                done(
                    c.format,
                    &format!(
                        "register {} ready (schema {v}); checkpoint key {} ({})",
                        r.db.shown,
                        path.display(),
                        if created { "created, keep it safe" } else { "existing" }
                    ),
                    serde_json::json!({"database": r.db.shown, "schema": v, "key": path, "key_created": created}),
                )
            }
            RegisterCommand::Checkpoint => {
                let r = c.open().await?;
                let cp = r.checkpoint(c.now()?, &c.actor()).await?;
                done(c.format, &format!("checkpoint at event {} ({})", cp.seq, cp.hash), serde_json::to_value(&cp)?)
            }
            RegisterCommand::Rules => {
                match c.format {
                    TextOrJson::Json => print_json(&rules::RULES)?,
                    TextOrJson::Text => {
                        for r in rules::RULES {
                            println!(
                                "{:<22} {}{}\n    {}",
                                r.citation,
                                r.id,
                                if r.uncertain { "  [uncertain: shown, not enforced]" } else { "" },
                                r.text
                            );
                        }
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            RegisterCommand::Team { command } => {
                let r = c.open().await?;
                match command {
                    TeamCommand::Add { name } => {
                        r.add_team(c.now()?, &c.actor(), &name).await?;
                        done(c.format, &format!("team `{}` added", name.trim()), serde_json::json!({"team": name.trim()}))
                    }
                    TeamCommand::List => {
                        let teams = r.teams().await?;
                        match c.format {
                            TextOrJson::Json => print_json(&teams)?,
                            TextOrJson::Text => teams.iter().for_each(|t| println!("{t}")),
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                }
            }
            RegisterCommand::User { command } => {
                let r = c.open().await?;
                match command {
                    UserCommand::Add { email, role, name, team, operator } => {
                        let u = NewUser { email, name, role, team, operator };
                        r.add_user(c.now()?, &c.actor(), &u).await?;
                        let email = u.email.trim().to_lowercase();
                        done(c.format, &format!("user {email} added ({})", u.role), serde_json::json!({"email": email, "role": u.role}))
                    }
                    UserCommand::List => {
                        let users = r.users().await?;
                        match c.format {
                            TextOrJson::Json => print_json(&users)?,
                            TextOrJson::Text => {
                                for u in &users {
                                    println!("{:<32} {:<11} {}{}", u.email, u.role, u.team.as_deref().unwrap_or("-"), u.operator_id.as_deref().map(|o| format!(" (for {o})")).unwrap_or_default());
                                }
                                println!("{} user(s)", users.len());
                            }
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                }
            }
            RegisterCommand::Operator { name, company_number, address, country } => {
                let r = c.open().await?;
                let o = r
                    .set_operator(c.now()?, &c.actor(), &OperatorRow { id: String::new(), legal_name: name, company_number, address, country })
                    .await?;
                done(c.format, &format!("{} {}", o.id, o.legal_name), serde_json::to_value(&o)?)
            }
        }
    })
}

/// Write a new key file readable by its owner only; never overwrite one.
pub(crate) fn write_new_key(path: &Path) -> Result<()> {
    use std::io::Write as _;
    let key = chain::new_key();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating key {}", path.display()))?;
    writeln!(f, "{}", hex::encode(key.to_bytes()))
        .with_context(|| format!("writing key {}", path.display()))?;
    Ok(())
}

pub fn run_case(args: CaseArgs) -> Result<ExitCode> {
    let c = &args.common;
    let fmt = c.format;
    runtime()?.block_on(async {
        let now = c.now()?;
        let actor = c.actor();
        match args.command {
            CaseCommand::Open { title, product, operators, roles, restricted, team, allegation } => {
                if operators.len() != roles.len() {
                    bail!("give one --role for each --operator ({} operators, {} roles)", operators.len(), roles.len());
                }
                let product = product.as_deref().map(baseline_pipeline::ProductInput::read).transpose()?;
                let r = c.open().await?;
                let new = NewCase {
                    title,
                    operators: operators.into_iter().zip(roles).collect(),
                    product,
                    restricted,
                    team,
                    allegation,
                };
                let id = r.open_case(now, &actor, &new).await?;
                done(fmt, &id, serde_json::json!({"case": id}))
            }
            CaseCommand::Allegation { command } => match command {
                AllegationCommand::Add { source, brand, model, description, contact, where_bought, attach } => {
                    let mut files = Vec::new();
                    for p in &attach {
                        let data = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
                        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                        files.push((name, data));
                    }
                    let r = c.open().await?;
                    let a = baseline_register::NewAllegation {
                        source,
                        brand,
                        model,
                        description,
                        contact,
                        where_bought,
                        attachments: files.iter().map(|(n, d)| (n.clone(), d.as_slice())).collect(),
                    };
                    let reference = r.receive_allegation(now, &actor, &a).await?;
                    done(fmt, &reference, serde_json::json!({"reference": reference}))
                }
                AllegationCommand::List { open } => {
                    let r = c.open().await?;
                    let list = r.list_allegations(open).await?;
                    match fmt {
                        TextOrJson::Json => print_json(&list)?,
                        TextOrJson::Text => {
                            for a in &list {
                                println!("{}  {} {:<20} {} {}  {}", a.reference, a.received_at, a.source, a.brand, a.model, a.case_id.as_deref().unwrap_or("(no case)"));
                            }
                            println!("{} allegation(s)", list.len());
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                AllegationCommand::Show { reference } => {
                    let r = c.open().await?;
                    let a = r.allegation(&reference).await?;
                    match fmt {
                        TextOrJson::Json => print_json(&a)?,
                        TextOrJson::Text => println!(
                            "{}  received {} from {}\nproduct: {} {}{}\n{}\ncase: {}",
                            a.reference, a.received_at, a.source, a.brand, a.model,
                            a.where_bought.as_deref().map(|w| format!(" (bought: {w})")).unwrap_or_default(),
                            a.description,
                            a.case_id.as_deref().unwrap_or("none yet")
                        ),
                    }
                    Ok(ExitCode::SUCCESS)
                }
            },
            CaseCommand::List { status, limit } => {
                let r = c.open().await?;
                let cases = r.list_cases(status.as_deref(), limit).await?;
                match fmt {
                    TextOrJson::Json => print_json(&cases)?,
                    TextOrJson::Text => {
                        for k in &cases {
                            println!("{}  {:<13} {}  {}{}", k.id, k.status, k.opened_at, k.title, if k.restricted != 0 { "  [restricted]" } else { "" });
                        }
                        println!("{} case(s)", cases.len());
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            CaseCommand::Show { case } => {
                let r = c.open().await?;
                let d = r.show_case(now, &actor, &case).await?;
                match fmt {
                    TextOrJson::Json => print_json(&d)?,
                    TextOrJson::Text => print_case(&d),
                }
                Ok(ExitCode::SUCCESS)
            }
            CaseCommand::Evidence { command: EvidenceCommand::Add { case, file, kind } } => {
                let data = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let r = c.open().await?;
                let origin = file.display().to_string();
                let sha = r.add_evidence(now, &actor, &case, &NewEvidence { data: &data, name: &name, kind: &kind, origin: &origin }).await?;
                done(fmt, &sha, serde_json::json!({"case": case, "sha256": sha}))
            }
            CaseCommand::Assess { case, images, product, answers } => {
                let inputs = baseline_pipeline::Inputs::read(&images, product.as_deref(), answers.as_deref())?;
                let r = c.open().await?;
                // The case must exist before the (long) assessment runs.
                r.case(&case).await?;
                let run = baseline_pipeline::run(&inputs, &baseline_pipeline::Options::default(), &baseline_pipeline::Silent)?;
                let report = baseline_report::json::render(&run.assessment);
                let origins: Vec<String> = images.iter().map(|p| p.display().to_string()).collect();
                let mut items: Vec<NewEvidence<'_>> = inputs
                    .images
                    .iter()
                    .zip(&origins)
                    .map(|(image, origin)| NewEvidence { data: &image.data, name: &image.name, kind: "firmware", origin })
                    .collect();
                items.push(NewEvidence { data: report.as_bytes(), name: "assessment.json", kind: "assessment", origin: "baseline assess" });
                // One transaction: the images and the report are attached together or not at all.
                let mut shas = r.add_evidence_all(now, &actor, &case, &items).await?;
                let report_sha = shas.pop().unwrap_or_default();
                let fails: Vec<&str> = run.assessment.verdicts.iter().filter(|v| v.outcome == baseline_model::Outcome::Fail && v.requirement.starts_with("psti:")).map(|v| v.requirement.as_str()).collect();
                done(
                    fmt,
                    &format!("assessment {report_sha} attached ({} image(s)); PSTI failures: {}", shas.len(), if fails.is_empty() { "none".to_owned() } else { fails.join(", ") }),
                    serde_json::json!({"case": case, "assessment": report_sha, "images": shas, "psti_failures": fails}),
                )
            }
            CaseCommand::Notice { command } => {
                let r = c.open().await?;
                match command {
                    NoticeCommand::Draft { case, kind, breaches, evidence, reasons, steps, comply_by, basis } => {
                        let comply_by = comply_by.as_deref().map(|s| time::parse(s, "--comply-by")).transpose()?;
                        match r.draft_notice(now, &actor, &case, &NewNotice { kind, breaches, evidence, reasons, steps, comply_by, basis }).await? {
                            Ok(id) => done(fmt, &id, serde_json::json!({"case": case, "notice": id})),
                            Err(refusal) => refused(&refusal, fmt),
                        }
                    }
                    NoticeCommand::Intent { case, notice, representations_end } => {
                        let end = representations_end.as_deref().map(|s| time::parse(s, "--representations-end")).transpose()?;
                        match r.notice_intent(now, &actor, &case, &notice, end).await? {
                            Ok(end) => done(fmt, &format!("notice of intent sent for {notice}; representations until {end}"), serde_json::json!({"notice": notice, "representations_end": end})),
                            Err(refusal) => refused(&refusal, fmt),
                        }
                    }
                    NoticeCommand::Issue { case, notice } => match r.issue_notice(now, &actor, &case, &notice).await? {
                        Ok(()) => done(fmt, &format!("{notice} issued"), serde_json::json!({"notice": notice, "issued": true})),
                        Err(refusal) => refused(&refusal, fmt),
                    },
                    NoticeCommand::Render { case, notice, as_format, output } => {
                        let format = document_format(as_format.as_deref(), output.as_deref())?;
                        let bytes = r.document(now, &actor, &case, &notice, format).await?;
                        match output {
                            Some(path) => {
                                crate::output::write_atomic(&path, &bytes)?;
                                eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
                            }
                            None => {
                                use std::io::Write as _;
                                let mut out = std::io::stdout().lock();
                                out.write_all(&bytes)?;
                                out.flush()?;
                            }
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                }
            }
            CaseCommand::Penalty { case, breach, amount, worldwide_revenue, daily, payment_days, reasons, evidence, basis } => {
                let p = NewPenalty {
                    breach,
                    amount_pence: gbp(&amount, "--amount")?,
                    worldwide_revenue_pence: worldwide_revenue.as_deref().map(|s| gbp(s, "--worldwide-revenue")).transpose()?,
                    daily_pence: daily.as_deref().map(|s| gbp(s, "--daily")).transpose()?,
                    payment_days,
                    reasons,
                    evidence,
                    basis,
                };
                let r = c.open().await?;
                match r.penalty(now, &actor, &case, &p).await? {
                    Ok(id) => done(fmt, &id, serde_json::json!({"case": case, "penalty": id})),
                    Err(refusal) => refused(&refusal, fmt),
                }
            }
            CaseCommand::Task { command } => {
                let r = c.open().await?;
                match command {
                    TaskCommand::Add { case, title, due, assignee } => {
                        let due = time::parse(&due, "--due")?;
                        let id = r.add_task(now, &actor, &case, &title, due, assignee.as_deref()).await?;
                        done(fmt, &id, serde_json::json!({"case": case, "task": id}))
                    }
                    TaskCommand::Done { case, task, note } => {
                        r.complete_task(now, &actor, &case, &task, &note).await?;
                        done(fmt, &format!("{task} done"), serde_json::json!({"case": case, "task": task, "done": true}))
                    }
                    TaskCommand::List { case, overdue, all } => {
                        let tasks = r.list_tasks(case.as_deref(), !all, overdue.then_some(now)).await?;
                        match fmt {
                            TextOrJson::Json => print_json(&tasks)?,
                            TextOrJson::Text => {
                                let now_s = time::format(now);
                                for t in &tasks {
                                    let late = t.status == "open" && t.due_at < now_s;
                                    println!("{} {}  due {}{}  {:<6} {}{}", t.case_id, t.id, t.due_at, if late { " OVERDUE" } else { "" }, t.status, t.title, t.assignee.as_deref().map(|a| format!(" ({a})")).unwrap_or_default());
                                }
                                println!("{} task(s)", tasks.len());
                            }
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                }
            }
            CaseCommand::Appeal { case, notice, lodged } => {
                let lodged = time::parse(&lodged, "--lodged")?;
                let r = c.open().await?;
                match r.appeal(now, &actor, &case, &notice, lodged).await? {
                    Ok(id) => done(fmt, &format!("{id} ({} uncertain: the appeal deadline and its effect on the notice are not enforced)", rules::APPEAL.citation), serde_json::json!({"case": case, "appeal": id})),
                    Err(refusal) => refused(&refusal, fmt),
                }
            }
            CaseCommand::Close { case, outcome, reason } => {
                let r = c.open().await?;
                r.close(now, &actor, &case, &outcome, &reason).await?;
                done(fmt, &format!("{case} closed: {outcome}"), serde_json::json!({"case": case, "closed": true, "outcome": outcome}))
            }
            CaseCommand::Reopen { case, reason } => {
                let r = c.open().await?;
                r.reopen(now, &actor, &case, &reason).await?;
                done(fmt, &format!("{case} reopened"), serde_json::json!({"case": case, "reopened": true}))
            }
            CaseCommand::Verify { bundle: Some(path), public_key, .. } => {
                let f = std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
                let rep = baseline_register::bundle::verify_bundle(std::io::BufReader::new(f), public_key.as_deref())
                    .with_context(|| path.display().to_string())?;
                match fmt {
                    TextOrJson::Json => print_json(&rep)?,
                    TextOrJson::Text => match &rep.problem {
                        None => println!(
                            "bundle verified: {} ({} events, {} of them the case's; {} checkpoints, checked with {}; {} evidence items){}",
                            rep.case, rep.events, rep.case_events, rep.checkpoints,
                            if rep.key_from_outside { "the key given" } else { "the bundle's own key (give --public-key to check origin)" },
                            rep.evidence,
                            if rep.unsigned_tail > 0 { format!("; {} events after the last checkpoint are not signed", rep.unsigned_tail) } else { String::new() }
                        ),
                        Some(p) => println!("BUNDLE NOT VERIFIED: {p}"),
                    },
                }
                Ok(if rep.problem.is_some() { ExitCode::from(crate::EXIT_FAIL) } else { ExitCode::SUCCESS })
            }
            CaseCommand::Export { case, output } => {
                let r = c.open().await?;
                let mut buf = std::io::Cursor::new(Vec::new());
                let m = r.export(now, &actor, &case, &mut buf).await?;
                crate::output::write_atomic(&output, buf.get_ref())?;
                done(fmt, &format!("wrote {} ({} files, chain head {})", output.display(), m.files.len() + 1, m.head_seq), serde_json::to_value(&m)?)
            }
            CaseCommand::Verify { case, .. } => {
                let r = c.open().await?;
                let v = r.verify(case.as_deref()).await?;
                match fmt {
                    TextOrJson::Json => print_json(&v)?,
                    TextOrJson::Text => match &v.problem {
                        None => println!("verified: {} events, {} checkpoints, {} evidence items", v.events, v.checkpoints, v.evidence),
                        Some(p) => println!("NOT VERIFIED: {p}"),
                    },
                }
                Ok(if v.problem.is_some() { ExitCode::from(crate::EXIT_FAIL) } else { ExitCode::SUCCESS })
            }
        }
    })
}

fn print_case(d: &baseline_register::register::CaseDetail) {
    let k = &d.case;
    println!("{}  {}", k.id, k.title);
    println!(
        "status: {}{}{}",
        k.status,
        k.outcome
            .as_deref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default(),
        if k.restricted != 0 {
            ", restricted"
        } else {
            ""
        }
    );
    for o in &d.operators {
        println!("operator: {} ({})", o.legal_name, o.role);
    }
    for e in &d.evidence {
        println!(
            "evidence: {} {} {} ({} bytes, {} by {})",
            e.sha256, e.kind, e.name, e.size, e.added_at, e.added_by
        );
    }
    for n in &d.notices {
        println!(
            "notice: {} {} {} breaches {}{}{}",
            n.id,
            n.kind,
            n.status,
            n.breach_list().join(", "),
            n.representations_end
                .as_deref()
                .map(|r| format!("; representations until {r}"))
                .unwrap_or_default(),
            n.issued_at
                .as_deref()
                .map(|i| format!("; issued {i}"))
                .unwrap_or_default()
        );
    }
    for p in &d.penalties {
        println!(
            "penalty: {} {} {} (maximum {}), due {}",
            p.id,
            p.breach,
            rules::format_gbp(p.amount_pence),
            rules::format_gbp(p.maximum_pence),
            p.payment_due
        );
    }
    for a in &d.appeals {
        println!(
            "appeal: {} against {} lodged {} ({})",
            a.id, a.notice_id, a.lodged_at, a.status
        );
    }
    for t in &d.tasks {
        println!("task: {} {} due {} {}", t.id, t.status, t.due_at, t.title);
    }
    for c in &d.cautions {
        println!("caution: {c}");
    }
    println!("timeline:");
    for e in &d.events {
        println!("  {:>6} {} {:<16} {}", e.seq, e.at, e.kind, e.actor);
    }
}
