//! How the system starts: entry points (inittab, BusyBox's default rcS, run-level
//! directories, OpenWrt `/etc/rc.d`, rc.local, systemd units, upstart jobs, runit services,
//! inetd/xinetd) and the chain of scripts that reaches each daemon.
//!
//! Owns: the [`Inventory`] of launches and consoles. Never does: decide what is a finding.

use super::catalogue::{self, Class};
use super::shell::{self, Command};
use crate::Context;
use baseline_unpack::{NodeId, NodeKind};
use std::collections::{BTreeMap, BTreeSet};

/// Scripts followed per file system (guards against script loops and huge trees).
const MAX_SCRIPTS: usize = 512;
const MAX_DEPTH: usize = 12;
/// Launched binaries larger than this are not searched for the daemons they spawn.
const MAX_SPAWNER: usize = 16 << 20;

/// How sure we are that a launch happens on a shipped device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum How {
    /// Reached from a boot entry point through the recorded chain.
    Boot,
    /// A binary started at boot names the daemon (it probably starts it).
    Spawned,
    /// Configured (an init script, unit or inetd line) but not reached from an entry point.
    Configured,
    /// Only the binary is present.
    Present,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::Boot => "started-at-boot",
            How::Spawned => "spawned-by-boot-binary",
            How::Configured => "configured-not-linked",
            How::Present => "binary-present",
        }
    }
}

/// One program start found in the start-up configuration.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Where the command is (script, unit, inetd.conf, or the binary for `Present`).
    pub node: NodeId,
    pub line: Option<u32>,
    pub offset: Option<u64>,
    /// Base name of the program (`telnetd`, `dropbear`).
    pub program: String,
    pub argv: Vec<String>,
    /// Entry point first: `inittab ::sysinit`, `/etc/init.d/rcS:25`.
    pub chain: Vec<String>,
    pub how: How,
    pub excerpt: String,
    pub class: Class,
}

impl Launch {
    pub fn chain_note(&self) -> String {
        self.chain.join(" → ")
    }
}

/// A console from inittab: a getty, login or shell on a terminal.
#[derive(Debug, Clone)]
pub struct Console {
    pub node: NodeId,
    pub line: u32,
    pub offset: u64,
    pub tty: String,
    pub action: String,
    pub command: String,
    /// `getty`/`login` (a credential is asked) versus a shell or script.
    pub asks_login: bool,
}

/// Everything the SVC checks look at.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub launches: Vec<Launch>,
    pub consoles: Vec<Console>,
}

const PATH: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

/// Build the inventory of every root file system in the tree.
pub fn inventory(ctx: &Context<'_>) -> Inventory {
    let mut inv = Inventory::default();
    let roots: Vec<NodeId> = ctx.tree.fs_roots().collect();
    for &fs in &roots {
        let Some(n) = ctx.tree.get(fs) else { continue };
        // Root file systems, and overlays or partitions that carry their own /etc.
        if !n.is_root_fs && ctx.tree.child(fs, "etc").is_none() {
            continue;
        }
        let mut w = Walker {
            ctx,
            fs,
            others: roots.iter().copied().filter(|r| *r != fs).collect(),
            visited: BTreeSet::new(),
            inv: &mut inv,
            scripts: 0,
        };
        w.walk();
    }
    inv.launches.sort_by(|a, b| {
        (a.how, &a.program, a.node, a.line).cmp(&(b.how, &b.program, b.node, b.line))
    });
    inv
}

struct Walker<'a, 'b> {
    ctx: &'a Context<'b>,
    fs: NodeId,
    /// Other file systems of the product: paths under a mount point of this one may be there.
    others: Vec<NodeId>,
    visited: BTreeSet<NodeId>,
    inv: &'a mut Inventory,
    scripts: usize,
}

impl Walker<'_, '_> {
    fn text(&self, id: NodeId) -> Option<String> {
        let n = self.ctx.tree.get(id)?;
        if !n.is_file() || n.data.len() > shell::MAX_SCRIPT * 2 {
            return None;
        }
        let d = n.data.get(..n.data.len().min(shell::MAX_SCRIPT))?;
        if d.contains(&0) {
            return None;
        }
        Some(String::from_utf8_lossy(d).into_owned())
    }

    fn path(&self, id: NodeId) -> String {
        self.ctx.tree.fs_path(id).unwrap_or_default()
    }

    /// Resolve a path as the device would, including other partitions mounted below an
    /// (empty) directory of this root.
    fn resolve(&self, p: &str) -> Option<NodeId> {
        if p.starts_with('/') {
            if let Some(id) = self.ctx.tree.lookup(self.fs, p) {
                return Some(id);
            }
            let mut comps: Vec<&str> = p.split('/').filter(|c| !c.is_empty()).collect();
            // /system/init/x.sh → try /init/x.sh in the other file systems.
            if comps.len() > 1 {
                comps.remove(0);
                let rest = format!("/{}", comps.join("/"));
                for o in &self.others {
                    if let Some(id) = self.ctx.tree.lookup(*o, &rest) {
                        return Some(id);
                    }
                }
            }
            return None;
        }
        if p.contains('/') || p.is_empty() {
            return None;
        }
        PATH.iter()
            .find_map(|d| self.ctx.tree.lookup(self.fs, &format!("{d}/{p}")))
    }

    fn file(&self, p: &str) -> Option<NodeId> {
        self.ctx.tree.lookup(self.fs, p).filter(|id| {
            self.ctx
                .tree
                .get(*id)
                .is_some_and(|n| matches!(n.kind, NodeKind::File))
        })
    }

    fn children(&self, dir: &str) -> Vec<(String, NodeId)> {
        let Some(d) = self.ctx.tree.lookup(self.fs, dir) else {
            return Vec::new();
        };
        let Some(n) = self.ctx.tree.get(d) else {
            return Vec::new();
        };
        let mut v: Vec<(String, NodeId)> = n
            .children
            .iter()
            .filter_map(|c| self.ctx.tree.get(*c).map(|cn| (cn.name.clone(), *c)))
            .collect();
        v.sort();
        v
    }

    fn walk(&mut self) {
        let inittab = self.file("/etc/inittab");
        if let Some(it) = inittab {
            self.inittab(it);
        } else if let Some(rcs) = self.file("/etc/init.d/rcS") {
            self.script(
                rcs,
                vec!["BusyBox init default (no inittab)".into()],
                How::Boot,
                &BTreeMap::new(),
                0,
            );
        }
        // Run-level and OpenWrt start directories: S* links run with `start`/`boot`.
        let mut dirs: Vec<String> = vec!["/etc/rc.d".into()];
        for l in ["S", "0", "1", "2", "3", "4", "5", "6"] {
            dirs.push(format!("/etc/rc{l}.d"));
            dirs.push(format!("/etc/rc.d/rc{l}.d"));
        }
        for d in dirs {
            for (name, id) in self.children(&d) {
                if !name.starts_with('S') {
                    continue;
                }
                let target = self.ctx.tree.lookup(self.fs, &format!("{d}/{name}"));
                if let Some(t) = target {
                    self.script(
                        t,
                        vec![format!("{d}/{name} (start link)")],
                        How::Boot,
                        &BTreeMap::new(),
                        0,
                    );
                } else {
                    let _ = id;
                }
            }
        }
        if let Some(rl) = self.file("/etc/rc.local") {
            self.script(
                rl,
                vec!["rc.local (run at the end of boot)".into()],
                How::Boot,
                &BTreeMap::new(),
                0,
            );
        }
        // Init scripts nobody links to: installed, perhaps enabled at run time.
        for dir in ["/etc/init.d", "/etc/rc.d/init.d"] {
            for (name, id) in self.children(dir) {
                if self.visited.contains(&id) {
                    continue;
                }
                let how = How::Configured;
                self.script(
                    id,
                    vec![format!("{dir}/{name} (not linked from a run level)")],
                    how,
                    &BTreeMap::new(),
                    0,
                );
            }
        }
        self.uci_upnpd();
        self.systemd();
        self.upstart();
        self.runit();
        self.inetd();
        self.spawned();
        self.present();
    }

    fn inittab(&mut self, it: NodeId) {
        let Some(text) = self.text(it) else { return };
        let path = self.path(it);
        let mut off = 0u64;
        for (i, line) in text.lines().enumerate() {
            let here = off;
            off = off.saturating_add(line.len() as u64 + 1);
            let l = line.trim();
            if l.starts_with('#') || l.is_empty() {
                continue;
            }
            let f: Vec<&str> = l.splitn(4, ':').collect();
            let (Some(id), Some(rl), Some(action), Some(cmd)) =
                (f.first(), f.get(1), f.get(2), f.get(3))
            else {
                continue;
            };
            if matches!(
                *action,
                "initdefault"
                    | "ctrlaltdel"
                    | "shutdown"
                    | "restart"
                    | "powerfail"
                    | "powerwait"
                    | "powerokwait"
                    | "powerfailnow"
                    | "kbrequest"
            ) {
                continue;
            }
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let cmd = cmd.split(" #").next().unwrap_or(cmd).trim();
            let script = shell::parse(cmd, &BTreeMap::new());
            let Some(c) = script.commands.first() else {
                continue;
            };
            // Consoles.
            let prog = base(c.argv.first().map(String::as_str).unwrap_or(""));
            let is_getty = prog.contains("getty") || prog == "login";
            let tty = if is_getty {
                c.argv
                    .iter()
                    .skip(1)
                    .find(|a| !a.starts_with('-') && is_tty(a))
                    .cloned()
            } else {
                None
            }
            .or_else(|| (!id.is_empty()).then(|| (*id).to_owned()))
            .unwrap_or_else(|| "console".into());
            let shellish = catalogue::is_shell(&prog) || prog.ends_with("login.sh");
            if (is_getty || shellish || *action == "askconsole")
                && matches!(
                    *action,
                    "respawn" | "askfirst" | "askconsole" | "once" | "wait" | "sysinit"
                )
                && (is_tty(&tty) || tty == "console")
            {
                self.inv.consoles.push(Console {
                    node: it,
                    line: line_no,
                    offset: here,
                    tty: tty.clone(),
                    action: (*action).to_owned(),
                    command: cmd.to_owned(),
                    asks_login: is_getty,
                });
            }
            let chain = vec![format!("inittab {id}:{rl}:{action} ({path}:{line_no})")];
            self.command(c, it, chain, How::Boot, &script.vars, 0);
        }
    }

    fn script(
        &mut self,
        node: NodeId,
        chain: Vec<String>,
        how: How,
        vars: &BTreeMap<String, String>,
        depth: usize,
    ) -> BTreeMap<String, String> {
        if depth > MAX_DEPTH || self.scripts >= MAX_SCRIPTS || !self.visited.insert(node) {
            return vars.clone();
        }
        self.scripts += 1;
        let Some(text) = self.text(node) else {
            return vars.clone();
        };
        let mut s = shell::parse(&text, vars);
        // Variables set by sourced files apply to the rest of the script: a second pass.
        let mut sourced = vars.clone();
        for c in &s.commands {
            if matches!(c.argv.first().map(String::as_str), Some("." | "source")) {
                if let Some(t) = c.argv.get(1).and_then(|p| self.resolve(p)) {
                    if let Some(st) = self.text(t) {
                        sourced.extend(shell::parse(&st, &BTreeMap::new()).vars);
                    }
                }
            }
        }
        if sourced.len() > vars.len() {
            s = shell::parse(&text, &sourced);
        }
        for c in &s.commands {
            self.command(c, node, chain.clone(), how, &s.vars, depth);
        }
        // procd: `procd_set_param command /usr/sbin/x …` is handled in `command`.
        s.vars
    }

    fn command(
        &mut self,
        c: &Command,
        node: NodeId,
        chain: Vec<String>,
        how: How,
        vars: &BTreeMap<String, String>,
        depth: usize,
    ) {
        let here = self.path(node);
        let mut argv = unwrap(&c.argv);
        let Some(first) = argv.first().cloned() else {
            return;
        };
        let at_entry = here.ends_with("inittab") && chain.len() == 1;
        let push = |ch: &mut Vec<String>, step: String| {
            if !at_entry {
                ch.push(step);
            }
        };
        let step = match &c.function {
            Some(f) => format!("{here}:{} (in {f})", c.line),
            None => format!("{here}:{}", c.line),
        };
        // `.`/`source`: run in the same shell.
        if first == "." || first == "source" {
            if let Some(t) = argv.get(1).and_then(|p| self.resolve(p)) {
                let mut ch = chain.clone();
                push(&mut ch, step);
                self.script(t, ch, how, vars, depth + 1);
            }
            return;
        }
        // `sh -c "…"` and `sh script`.
        if catalogue::is_shell(&base(&first)) {
            if let Some(pos) = argv.iter().position(|a| a == "-c") {
                if let Some(inner) = argv.get(pos + 1) {
                    let s = shell::parse(inner, vars);
                    for ic in &s.commands {
                        let mut ic = ic.clone();
                        ic.line = c.line;
                        ic.offset = c.offset;
                        ic.function.clone_from(&c.function);
                        ic.text.clone_from(&c.text);
                        self.command(&ic, node, chain.clone(), how, vars, depth);
                    }
                }
                return;
            }
            argv.remove(0);
            if argv.first().is_none_or(|a| a.starts_with('-')) {
                return;
            }
        }
        // `service x start` → /etc/init.d/x
        if first == "service" {
            if let Some(name) = argv.get(1) {
                argv = vec![format!("/etc/init.d/{name}")];
            }
        }
        let Some(prog_path) = argv.first().cloned() else {
            return;
        };
        let prog = base(&prog_path);
        let resolved = self.resolve(&prog_path);
        if let Some(t) = resolved {
            if self.is_script(t) {
                let mut ch = chain;
                push(&mut ch, step);
                self.script(t, ch, how, vars, depth + 1);
                return;
            }
        }
        let class = catalogue::classify(&prog, &argv);
        let manager = chain.first().is_some_and(|f| {
            f.starts_with("systemd")
                || f.starts_with("upstart")
                || f.starts_with("runit")
                || f.starts_with("inetd")
                || f.starts_with("xinetd")
        }) || c.function.as_deref() == Some("start_service");
        let superserver = matches!(prog.as_str(), "inetd" | "xinetd");
        if class == Class::Other && !c.background && !manager && !superserver {
            return;
        }
        if class == Class::Other && is_utility(&prog) {
            return;
        }
        let mut ch = chain;
        push(&mut ch, step);
        self.inv.launches.push(Launch {
            node,
            line: Some(c.line),
            offset: Some(c.offset),
            program: prog,
            argv,
            chain: ch,
            how,
            excerpt: c.text.clone(),
            class,
        });
    }

    /// OpenWrt UCI `/etc/config/upnpd` with `option enabled 1`: miniupnpd is meant to run.
    fn uci_upnpd(&mut self) {
        let Some(id) = self.file("/etc/config/upnpd") else {
            return;
        };
        let Some(text) = self.text(id) else { return };
        let mut off = 0u64;
        for (i, line) in text.lines().enumerate() {
            let here = off;
            off = off.saturating_add(line.len() as u64 + 1);
            let w: Vec<&str> = line.split_whitespace().collect();
            let on = matches!(w.as_slice(), ["option", "enabled", v, ..] if v.trim_matches(|c| c == '\'' || c == '"') == "1");
            if !on || self.inv.launches.iter().any(|l| l.class == Class::Upnp) {
                continue;
            }
            self.inv.launches.push(Launch {
                node: id,
                line: Some(u32::try_from(i + 1).unwrap_or(u32::MAX)),
                offset: Some(here),
                program: "miniupnpd".into(),
                argv: vec!["miniupnpd".into()],
                chain: vec!["/etc/config/upnpd (OpenWrt UCI: enabled)".into()],
                how: How::Configured,
                excerpt: line.trim().to_owned(),
                class: Class::Upnp,
            });
        }
    }

    fn is_script(&self, id: NodeId) -> bool {
        self.ctx.tree.get(id).is_some_and(|n| {
            n.is_file()
                && n.data.len() <= shell::MAX_SCRIPT
                && !n.data.starts_with(b"\x7fELF")
                && !n.data.contains(&0)
        })
    }

    fn systemd(&mut self) {
        let dirs = [
            "/etc/systemd/system",
            "/lib/systemd/system",
            "/usr/lib/systemd/system",
        ];
        let mut wanted: BTreeSet<String> = BTreeSet::new();
        for d in dirs {
            for (name, _) in self.children(d) {
                if name.ends_with(".wants") {
                    for (u, _) in self.children(&format!("{d}/{name}")) {
                        wanted.insert(u);
                    }
                }
            }
        }
        for d in dirs {
            for (name, id) in self.children(d) {
                if self.visited.contains(&id) || !self.ctx.tree.get(id).is_some_and(|n| n.is_file())
                {
                    continue;
                }
                let Some(text) = self.text(id) else { continue };
                if !text.contains("[Service]") {
                    continue;
                }
                self.visited.insert(id);
                let enabled = wanted.contains(&name) || wanted.contains(&format!("{name}.service"));
                let how = if enabled { How::Boot } else { How::Configured };
                let label = if enabled { "enabled" } else { "not enabled" };
                let mut off = 0u64;
                for (i, line) in text.lines().enumerate() {
                    let here = off;
                    off = off.saturating_add(line.len() as u64 + 1);
                    let Some(v) = line.trim().strip_prefix("ExecStart=") else {
                        continue;
                    };
                    let v = v.trim_start_matches(['-', '@', '+', '!', ':']);
                    let s = shell::parse(v, &BTreeMap::new());
                    if let Some(c) = s.commands.first() {
                        let mut c = c.clone();
                        c.line = u32::try_from(i + 1).unwrap_or(u32::MAX);
                        c.offset = here;
                        c.text = line.trim().chars().take(240).collect();
                        self.command(
                            &c,
                            id,
                            vec![format!("systemd unit {name} ({label})")],
                            how,
                            &BTreeMap::new(),
                            0,
                        );
                    }
                }
            }
        }
    }

    fn upstart(&mut self) {
        for (name, id) in self.children("/etc/init") {
            if !name.ends_with(".conf") {
                continue;
            }
            let Some(text) = self.text(id) else { continue };
            let how = if text.lines().any(|l| l.trim_start().starts_with("start on")) {
                How::Boot
            } else {
                How::Configured
            };
            // Keep `exec` lines and the main `script` block; skip pre-/post- blocks.
            let mut body = String::new();
            let mut block: Option<bool> = None;
            for line in text.lines() {
                let t = line.trim();
                match block {
                    Some(keep) => {
                        if t == "end script" {
                            block = None;
                            body.push('\n');
                        } else {
                            body.push_str(if keep { line } else { "" });
                            body.push('\n');
                        }
                    }
                    None => {
                        if t == "script" {
                            block = Some(true);
                        } else if t.ends_with(" script") {
                            block = Some(false);
                        } else if t.starts_with("exec ")
                            || line.starts_with(' ')
                            || line.starts_with('-')
                        {
                            body.push_str(line);
                        }
                        body.push('\n');
                    }
                }
            }
            let s = shell::parse(&body, &BTreeMap::new());
            for c in &s.commands {
                self.command(c, id, vec![format!("upstart job {name}")], how, &s.vars, 0);
            }
        }
    }

    fn runit(&mut self) {
        let mut seen = BTreeSet::new();
        for (dir, how) in [
            ("/etc/service", How::Boot),
            ("/var/service", How::Boot),
            ("/etc/sv", How::Configured),
        ] {
            for (name, sid) in self.children(dir) {
                // A service dir, a symlink to one, or (in git checkouts) a file naming one.
                let run = self
                    .ctx
                    .tree
                    .lookup(self.fs, &format!("{dir}/{name}/run"))
                    .or_else(|| {
                        let t = self.text(sid)?;
                        let target = t.trim();
                        let p = if target.starts_with('/') {
                            target.to_owned()
                        } else {
                            format!("{dir}/{target}")
                        };
                        self.ctx
                            .tree
                            .lookup(self.fs, &format!("{}/run", normalise(&p)))
                    });
                let Some(run) = run else { continue };
                if !seen.insert(run) {
                    continue;
                }
                let Some(text) = self.text(run) else { continue };
                self.visited.insert(run);
                let s = shell::parse(&text, &BTreeMap::new());
                for c in &s.commands {
                    self.command(
                        c,
                        run,
                        vec![format!("runit service {name} ({dir})")],
                        how,
                        &s.vars,
                        0,
                    );
                }
            }
        }
    }

    fn inetd(&mut self) {
        let inetd_runs = self
            .inv
            .launches
            .iter()
            .find(|l| l.how == How::Boot && (l.program == "inetd" || l.program == "xinetd"))
            .map(|l| l.chain_note());
        if let Some(id) = self.file("/etc/inetd.conf") {
            let Some(text) = self.text(id) else { return };
            let mut off = 0u64;
            for (i, line) in text.lines().enumerate() {
                let here = off;
                off = off.saturating_add(line.len() as u64 + 1);
                let t = line.trim();
                if t.starts_with('#') || t.is_empty() {
                    continue;
                }
                let f: Vec<&str> = t.split_whitespace().collect();
                let (Some(svc), Some(server)) = (f.first(), f.get(5)) else {
                    continue;
                };
                if *server == "internal" {
                    continue;
                }
                let mut argv: Vec<String> = f.iter().skip(6).map(|s| (*s).to_owned()).collect();
                let b = base(server);
                if argv.is_empty() || !matches!(b.as_str(), "tcpd" | "busybox") {
                    argv.insert(0, (*server).to_owned());
                }
                let (how, label) = match &inetd_runs {
                    Some(ch) => (How::Boot, format!("inetd service {svc} (inetd: {ch})")),
                    None => (
                        How::Configured,
                        format!("inetd service {svc} (inetd not seen started)"),
                    ),
                };
                let c = Command {
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    offset: here,
                    argv,
                    background: true,
                    function: None,
                    text: t.chars().take(240).collect(),
                };
                self.command(&c, id, vec![label], how, &BTreeMap::new(), 0);
            }
        }
        for (name, id) in self.children("/etc/xinetd.d") {
            let Some(text) = self.text(id) else { continue };
            let mut server = None;
            let mut args = String::new();
            let mut disabled = false;
            let mut at = (1u32, 0u64);
            let mut off = 0u64;
            for (i, line) in text.lines().enumerate() {
                let here = off;
                off = off.saturating_add(line.len() as u64 + 1);
                let Some((k, v)) = line.split_once('=') else {
                    continue;
                };
                match k.trim() {
                    "server" => {
                        server = Some(v.trim().to_owned());
                        at = (u32::try_from(i + 1).unwrap_or(u32::MAX), here);
                    }
                    "server_args" => v.trim().clone_into(&mut args),
                    "disable" => disabled = v.trim() == "yes",
                    _ => {}
                }
            }
            let Some(server) = server.filter(|_| !disabled) else {
                continue;
            };
            let mut argv = vec![server.clone()];
            argv.extend(args.split_whitespace().map(str::to_owned));
            let how = if inetd_runs.is_some() {
                How::Boot
            } else {
                How::Configured
            };
            let c = Command {
                line: at.0,
                offset: at.1,
                argv,
                background: true,
                function: None,
                text: format!("server = {server}"),
            };
            self.command(
                &c,
                id,
                vec![format!("xinetd service {name}")],
                how,
                &BTreeMap::new(),
                0,
            );
        }
    }

    /// Daemons a boot-started binary names: a vendor `httpd` that starts `dropbear`.
    fn spawned(&mut self) {
        let boot: Vec<(NodeId, String)> = self
            .inv
            .launches
            .iter()
            .filter(|l| l.how == How::Boot && l.chain.first().is_some_and(|_| true))
            .filter_map(|l| {
                let id = self.resolve(l.argv.first()?)?;
                Some((id, l.chain_note()))
            })
            .collect();
        let mut done = BTreeSet::new();
        for (id, chain) in boot {
            if !done.insert(id) {
                continue;
            }
            let Some(n) = self.ctx.tree.get(id) else {
                continue;
            };
            // BusyBox names every applet it has: it does not say what is started.
            if !n.data.starts_with(b"\x7fELF")
                || n.data.len() > MAX_SPAWNER
                || n.name.starts_with("busybox")
            {
                continue;
            }
            let launcher = self.path(id);
            for name in catalogue::daemon_names() {
                if self
                    .inv
                    .launches
                    .iter()
                    .any(|l| l.program == *name && l.how <= How::Spawned)
                {
                    continue;
                }
                let Some(target) = self.resolve(name) else {
                    continue;
                };
                if target == id || !mentions(&n.data, name.as_bytes()) {
                    continue;
                }
                let class = catalogue::classify(name, &[]);
                self.inv.launches.push(Launch {
                    node: id,
                    line: None,
                    offset: None,
                    program: (*name).to_owned(),
                    argv: vec![self.path(target)],
                    chain: vec![chain.clone(), format!("{launcher} (binary names '{name}')")],
                    how: How::Spawned,
                    excerpt: (*name).to_owned(),
                    class,
                });
            }
        }
    }

    fn present(&mut self) {
        for d in PATH {
            for (name, id) in self.children(d) {
                let class = catalogue::classify(&name, &[]);
                // A class already started (dropbear) makes its other binaries (dropbearmulti) noise.
                let started = self
                    .inv
                    .launches
                    .iter()
                    .any(|l| l.class == class && l.how <= How::Spawned);
                if class == Class::Other
                    || started
                    || self.inv.launches.iter().any(|l| l.program == name)
                {
                    continue;
                }
                let kind_ok =
                    self.ctx.tree.get(id).is_some_and(|n| {
                        matches!(n.kind, NodeKind::File | NodeKind::Symlink { .. })
                    });
                if !kind_ok
                    || self
                        .ctx
                        .tree
                        .lookup(self.fs, &format!("{d}/{name}"))
                        .is_none()
                {
                    continue;
                }
                self.inv.launches.push(Launch {
                    node: id,
                    line: None,
                    offset: None,
                    program: name.clone(),
                    argv: vec![format!("{d}/{name}")],
                    chain: vec![format!(
                        "{d}/{name} (present, not started by any init file found)"
                    )],
                    how: How::Present,
                    excerpt: String::new(),
                    class,
                });
            }
        }
    }
}

/// `name` as a whole word (bounded by NUL, space, `/` or quotes) in `data`.
fn mentions(data: &[u8], name: &[u8]) -> bool {
    let fin = memchr::memmem::Finder::new(name);
    fin.find_iter(data).any(|i| {
        // `killall telnetd` stops a daemon, it does not start one.
        let head = data.get(i.saturating_sub(8)..i).unwrap_or(&[]);
        if head.ends_with(b"killall ") || head.ends_with(b"pkill ") || head.ends_with(b"kill ") {
            return false;
        }
        let before = i
            .checked_sub(1)
            .and_then(|j| data.get(j))
            .copied()
            .unwrap_or(0);
        let after = data.get(i + name.len()).copied().unwrap_or(0);
        matches!(before, 0 | b' ' | b'/' | b'"' | b'\'')
            && matches!(after, 0 | b' ' | b'\n' | b'&' | b';')
    })
}

fn normalise(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    format!("/{}", out.join("/"))
}

pub fn base(p: &str) -> String {
    p.rsplit('/').next().unwrap_or(p).to_owned()
}

fn is_tty(t: &str) -> bool {
    let t = t.trim_start_matches("/dev/");
    [
        "ttyS", "ttyAMA", "ttyMSM", "ttyHSL", "ttySAC", "ttyO", "ttymxc", "ttyPS", "ttyUL",
        "ttyATH", "ttyLP", "ttyMT", "ttySC", "ttyTHS",
    ]
    .iter()
    .any(|p| t.starts_with(p))
        || t == "console"
}

fn is_utility(p: &str) -> bool {
    matches!(
        p,
        "echo"
            | "sleep"
            | "mount"
            | "umount"
            | "mkdir"
            | "rm"
            | "cp"
            | "mv"
            | "ln"
            | "cat"
            | "chmod"
            | "chown"
            | "insmod"
            | "modprobe"
            | "ifconfig"
            | "route"
            | "ip"
            | "brctl"
            | "iptables"
            | "sysctl"
            | "mknod"
            | "touch"
            | "kill"
            | "killall"
            | "wait"
            | "true"
            | "false"
            | "exit"
            | "return"
            | "cd"
            | "sync"
            | "hostname"
            | "ulimit"
            | "umask"
            | "trap"
            | "set"
            | "shift"
            | "printf"
            | "logger"
            | "date"
            | "mdev"
            | "sv"
            | "hwclock"
            | "usleep"
            | "tar"
            | "unzip"
            | "gunzip"
            | "grep"
            | "sed"
            | "awk"
    )
}

/// Drop wrappers that start another program: `exec`, `nohup`, `start-stop-daemon … --`,
/// `busybox applet`, `procd_set_param command`, `tcpsvd ip port prog`, `chpst -u x prog`.
pub fn unwrap(argv: &[String]) -> Vec<String> {
    let mut v: Vec<String> = argv.to_vec();
    for _ in 0..8 {
        let Some(first) = v.first().cloned() else {
            break;
        };
        let b = base(&first);
        let skip_opts = |v: &mut Vec<String>, with_arg: &[&str]| {
            v.remove(0);
            while let Some(a) = v.first().cloned() {
                if !a.starts_with('-') {
                    break;
                }
                v.remove(0);
                if with_arg.contains(&a.as_str()) && !v.is_empty() {
                    v.remove(0);
                }
            }
        };
        match b.as_str() {
            "exec" | "nohup" | "setsid" | "eval" | "command" | "builtin" => {
                skip_opts(&mut v, &[]);
            }
            "nice" | "ionice" => skip_opts(&mut v, &["-n", "-c"]),
            "env" => {
                v.remove(0);
                while v
                    .first()
                    .is_some_and(|a| a.contains('=') || a.starts_with('-'))
                {
                    v.remove(0);
                }
            }
            "timeout" | "taskset" => {
                skip_opts(&mut v, &[]);
                if !v.is_empty() {
                    v.remove(0);
                }
            }
            "chpst" => skip_opts(
                &mut v,
                &[
                    "-u", "-U", "-n", "-l", "-L", "-e", "-m", "-d", "-o", "-p", "-f", "-c", "-r",
                    "-t", "-/",
                ],
            ),
            "chroot" => {
                v.remove(0);
                if !v.is_empty() {
                    v.remove(0);
                }
            }
            "busybox" if v.len() > 1 => {
                v.remove(0);
            }
            "procd_set_param" => {
                if v.get(1).map(String::as_str) == Some("command") {
                    v.drain(..2);
                } else {
                    return Vec::new();
                }
            }
            "tcpsvd" | "udpsvd" => {
                skip_opts(&mut v, &["-c", "-C", "-b", "-u", "-l", "-t"]);
                // ip port prog…
                if v.len() > 2 {
                    v.drain(..2);
                }
            }
            "start-stop-daemon" => {
                let exec = v
                    .windows(2)
                    .find(|w| {
                        matches!(
                            w.first().map(String::as_str),
                            Some("-x" | "--exec" | "-a" | "--startas")
                        )
                    })
                    .and_then(|w| w.get(1).cloned());
                let start = v.iter().any(|a| a == "-S" || a == "--start");
                let args: Vec<String> = v
                    .iter()
                    .skip_while(|a| *a != "--")
                    .skip(1)
                    .cloned()
                    .collect();
                match (exec, start) {
                    (Some(e), true) => {
                        v = vec![e];
                        v.extend(args);
                    }
                    _ => return Vec::new(),
                }
            }
            _ => break,
        }
    }
    v
}
