//! Services and interfaces (SVC): what the firmware starts at boot and how (telnet, FTP/TFTP,
//! web, SSH and its configuration, UPnP, SNMP, mDNS, debug listeners), serial consoles and a
//! boot loader that lets a serial user interrupt boot.
//!
//! Owns: the start-up inventory (`init`, `shell`, `catalogue`) and the SVC checks, one file
//! each. Never does: report credentials (CRED does: `telnetd -l /bin/sh` is CRED-004 there and
//! SVC-008 here, each for its own aspect) or evaluate script conditions.
//!
//! Confidence follows how the start was found: reached from a boot entry point (`high`),
//! named by a binary started at boot or configured but not linked (`medium`), a binary that is
//! merely present (`low`). `Evidence.note` holds the init chain.

pub mod catalogue;
pub mod init;
pub mod shell;

mod boot_interrupt;
mod debug_listener;
mod ftp_tftp_service;
mod mdns_service;
mod serial_console;
mod snmp_service;
mod ssh_service;
mod telnet_service;
mod upnp_service;
mod web_server;

use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::{Confidence, Finding, Severity};
use catalogue::Class;
use init::{How, Inventory, Launch};
use serde_json::json;
use std::collections::BTreeMap;

/// Every SVC check, in code order.
pub const CHECKS: &[&CheckInfo] = &[
    &telnet_service::INFO,
    &ftp_tftp_service::INFO,
    &web_server::INFO,
    &ssh_service::INFO,
    &upnp_service::INFO,
    &snmp_service::INFO,
    &mdns_service::INFO,
    &debug_listener::INFO,
    &serial_console::INFO,
    &boot_interrupt::INFO,
];

/// Run every SVC check.
pub fn run(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let inv = init::inventory(ctx);
    telnet_service::check(ctx, &inv, out);
    ftp_tftp_service::check(ctx, &inv, out);
    web_server::check(ctx, &inv, out);
    ssh_service::check(ctx, &inv, out);
    upnp_service::check(ctx, &inv, out);
    snmp_service::check(ctx, &inv, out);
    mdns_service::check(ctx, &inv, out);
    debug_listener::check(ctx, &inv, out);
    serial_console::check(ctx, &inv, out);
    boot_interrupt::check(ctx, out);
}

pub(crate) use crate::finding;

pub(crate) fn confidence(how: How) -> Confidence {
    match how {
        How::Boot => Confidence::High,
        How::Spawned | How::Configured => Confidence::Medium,
        How::Present => Confidence::Low,
    }
}

/// Evidence for one launch: file, line, excerpt and the init chain as the note.
pub(crate) fn launch_evidence(ctx: &Context<'_>, l: &Launch) -> baseline_model::Evidence {
    let mut e = ctx.evidence(l.node).note(l.chain_note());
    if let Some(line) = l.line {
        e = e.line(line);
    }
    if let Some(o) = l.offset {
        e = e.offset(o);
    }
    if !l.excerpt.is_empty() {
        e = e.excerpt(l.excerpt.clone());
    }
    e
}

/// One finding per (input, program) of the given classes: the strongest way it is started
/// decides severity (`sev(how)`) and confidence; every launch is evidence (up to 8).
pub(crate) fn report_launches(
    ctx: &Context<'_>,
    inv: &Inventory,
    info: &CheckInfo,
    classes: &[Class],
    sev: impl Fn(How, &Launch) -> Severity,
    what: &str,
    out: &mut AnalysisOutput,
) -> Vec<Finding> {
    let mut groups: BTreeMap<(String, String), Vec<&Launch>> = BTreeMap::new();
    for l in &inv.launches {
        if !classes.contains(&l.class) {
            continue;
        }
        let input = ctx
            .tree
            .get(ctx.tree.input_of(l.node))
            .map(|n| n.name.clone())
            .unwrap_or_default();
        groups
            .entry((input, l.program.clone()))
            .or_default()
            .push(l);
    }
    let mut made = Vec::new();
    for ((_, program), ls) in groups {
        let Some(best) = ls.iter().min_by_key(|l| l.how) else {
            continue;
        };
        let how = best.how;
        let started = match how {
            How::Boot => "started at boot",
            How::Spawned => "probably started by a boot-time binary",
            How::Configured => "configured but not linked from a boot entry point",
            How::Present => "present but not started by any init file found",
        };
        let mut f = finding(
            info,
            sev(how, best),
            confidence(how),
            format!("{what} '{program}' {started}"),
        );
        for l in ls.iter().take(8) {
            f.evidence.push(launch_evidence(ctx, l));
        }
        f.details.insert("program".into(), json!(program));
        f.details.insert("class".into(), json!(best.class.as_str()));
        f.details.insert("how".into(), json!(how.as_str()));
        f.details
            .insert("command".into(), json!(best.argv.join(" ")));
        f.details.insert("chain".into(), json!(best.chain));
        if how == How::Present || how == How::Spawned {
            f.details.insert(
                "static_limit".into(),
                json!("whether and how the program runs is decided at run time; a device test must confirm"),
            );
        }
        made.push(f.clone());
        out.findings.push(f);
    }
    made
}

/// Usual severity of a network service by how it is started.
pub(crate) fn service_severity(boot: Severity) -> impl Fn(How, &Launch) -> Severity {
    move |how, _| match how {
        How::Boot => boot,
        How::Spawned | How::Configured => boot.min(Severity::Medium),
        How::Present => Severity::Info,
    }
}

#[cfg(test)]
mod tests;
