//! `baseline catalogue list|show|map`: browse the requirement catalogue. Rendering only; the
//! data and the lookups are `baseline-catalogue`'s.

use crate::output::{emit, TextOrJson};
use anyhow::Result;
use baseline_catalogue::{Catalogue, MapTarget, Mapping, Requirement, Scheme};
use clap::Subcommand;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// List requirements: every scheme's, or one scheme's.
    ///
    /// Example: baseline catalogue list --scheme psti
    List {
        /// Only this scheme (psti, en303645, en303645-v3, uk-cop, au-cop, sg-cls, fi-label,
        /// in-cop, cra, en18031, nistir8425)
        #[arg(long)]
        scheme: Option<String>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show one requirement: status, conditions, citation, test cases, mappings both ways.
    ///
    /// Example: baseline catalogue show en303645:5.1-1
    Show {
        /// Requirement reference, SCHEME:ID (e.g. psti:sch1-p1)
        reference: String,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Map a requirement onto another scheme (directly, or through EN 303 645).
    ///
    /// Example: baseline catalogue map psti:sch1-p1 --to en303645
    Map {
        /// Requirement reference, SCHEME:ID
        reference: String,
        /// Target scheme
        #[arg(long = "to", value_name = "SCHEME")]
        to: String,
        #[command(flatten)]
        out: OutputArgs,
    },
}

#[derive(Debug, clap::Args)]
struct OutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
    /// Write to FILE (atomically) instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let cat = Catalogue::embedded();
    let (content, out) = match args.command {
        Sub::List { scheme, out } => (list(cat, scheme.as_deref(), out.format)?, out),
        Sub::Show { reference, out } => (show(cat, &reference, out.format)?, out),
        Sub::Map { reference, to, out } => (map(cat, &reference, &to, out.format)?, out),
    };
    emit(out.output.as_deref(), content.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// A requirement with its reference spelled out, for JSON.
#[derive(Serialize)]
struct Entry<'a> {
    reference: String,
    #[serde(flatten)]
    requirement: &'a Requirement,
}

fn entry(r: &Requirement) -> Entry<'_> {
    Entry {
        reference: r.reference(),
        requirement: r,
    }
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

fn flag(uncertain: bool) -> &'static str {
    if uncertain {
        " [uncertain]"
    } else {
        ""
    }
}

fn status_of(r: &Requirement) -> String {
    r.status
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn scheme_heading(s: &Scheme, count: usize) -> String {
    format!(
        "{}: {}, {} ({count} entries){}{}\n",
        s.id,
        s.name,
        s.version,
        if s.indicative {
            "; mappings indicative"
        } else {
            ""
        },
        flag(s.uncertain)
    )
}

fn list(cat: &Catalogue, scheme: Option<&str>, format: TextOrJson) -> Result<String> {
    let schemes: Vec<&Scheme> = match scheme {
        Some(s) => vec![cat.resolve_scheme(s)?],
        None => cat.schemes().iter().collect(),
    };
    if format == TextOrJson::Json {
        #[derive(Serialize)]
        struct List<'a> {
            catalogue_version: &'a str,
            schemes: Vec<&'a Scheme>,
            requirements: Vec<Entry<'a>>,
        }
        let requirements = schemes
            .iter()
            .flat_map(|s| cat.requirements_of(&s.id))
            .map(entry)
            .collect();
        return json(&List {
            catalogue_version: cat.version(),
            schemes,
            requirements,
        });
    }
    let mut out = String::new();
    for (i, s) in schemes.iter().enumerate() {
        let reqs: Vec<&Requirement> = cat.requirements_of(&s.id).collect();
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&scheme_heading(s, reqs.len()));
        let width = reqs.iter().map(|r| r.reference().len()).max().unwrap_or(0);
        for r in reqs {
            let _ = writeln!(
                out,
                "  {:<width$}  {:<10}  {}{}",
                r.reference(),
                status_of(r),
                r.title,
                flag(r.uncertain)
            );
        }
    }
    Ok(out)
}

fn show(cat: &Catalogue, reference: &str, format: TextOrJson) -> Result<String> {
    let r = cat.lookup(reference)?;
    let scheme = cat.resolve_scheme(&r.scheme)?;
    let conditions: Vec<&baseline_catalogue::Condition> = r
        .status
        .iter()
        .flat_map(|s| s.conditions.iter())
        .filter_map(|&c| cat.condition(&r.scheme, c))
        .collect();
    let features: Vec<&baseline_catalogue::Feature> = r
        .status
        .iter()
        .flat_map(|s| s.features.iter())
        .filter_map(|f| cat.feature(&r.scheme, f))
        .collect();
    let children: Vec<String> = cat
        .children(reference)
        .map(Requirement::reference)
        .collect();
    let tests: Vec<&baseline_catalogue::TestCase> = cat.test_cases(reference).collect();
    let from = cat.mappings_from(reference);
    let to = cat.mappings_to(reference);
    if format == TextOrJson::Json {
        #[derive(Serialize)]
        struct Show<'a> {
            requirement: Entry<'a>,
            scheme: &'a Scheme,
            conditions: Vec<&'a baseline_catalogue::Condition>,
            features: Vec<&'a baseline_catalogue::Feature>,
            children: Vec<String>,
            test_cases: Vec<&'a baseline_catalogue::TestCase>,
            mappings_from: Vec<&'a Mapping>,
            mappings_to: Vec<&'a Mapping>,
        }
        return json(&Show {
            requirement: entry(r),
            scheme,
            conditions,
            features,
            children,
            test_cases: tests,
            mappings_from: from,
            mappings_to: to,
        });
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}{}", r.reference(), flag(r.uncertain));
    let _ = writeln!(out, "  title:     {}", r.title);
    let _ = writeln!(out, "  scheme:    {}, {}", scheme.name, scheme.version);
    let _ = writeln!(out, "  kind:      {}", r.kind.as_str());
    if let Some(st) = &r.status {
        let _ = writeln!(out, "  status:    {st}");
    }
    for c in &conditions {
        let _ = writeln!(
            out,
            "             condition {}: {}{}",
            c.id,
            c.text,
            flag(c.uncertain)
        );
    }
    for f in &features {
        let _ = writeln!(
            out,
            "             feature {}: {}{}",
            f.id,
            f.text,
            flag(f.uncertain)
        );
    }
    if let Some(p) = &r.parent {
        let _ = writeln!(out, "  part of:   {}:{p}", r.scheme);
    }
    let _ = writeln!(out, "  citation:  {}", r.citation);
    if !r.evidence.is_empty() {
        let kinds: Vec<&str> = r.evidence.iter().map(|e| e.as_str()).collect();
        let _ = writeln!(out, "  evidence:  {}", kinds.join(", "));
    }
    if let Some(n) = &r.note {
        let _ = writeln!(out, "  note:      {n}");
    }
    if !children.is_empty() {
        let _ = writeln!(out, "  sub-items: {}", children.join(", "));
    }
    if !r.requires.is_empty() {
        let _ = writeln!(out, "  requires:  {}", r.requires.join(", "));
    }
    if !tests.is_empty() {
        let list: Vec<String> = tests
            .iter()
            .map(|t| format!("{} ({})", t.id, t.kind.as_str()))
            .collect();
        let _ = writeln!(out, "  ETSI TS 103 701 test cases: {}", list.join(", "));
    }
    for (title, maps, arrow, other) in [
        ("mappings from this requirement", &from, "->", true),
        ("mappings to this requirement", &to, "<-", false),
    ] {
        if maps.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {title}:");
        let end_of = |m: &Mapping| {
            if other {
                m.target.clone()
            } else {
                m.source.clone()
            }
        };
        let width = maps.iter().map(|m| end_of(m).len()).max().unwrap_or(0);
        for m in maps.iter() {
            let end = end_of(m);
            let _ = writeln!(
                out,
                "    {arrow} {end:<width$}  {:<10} {}{}",
                m.provenance.as_str(),
                m.citation,
                flag(m.uncertain)
            );
        }
    }
    if from.is_empty() && to.is_empty() {
        let _ = writeln!(out, "  no mappings");
    }
    Ok(out)
}

fn map(cat: &Catalogue, reference: &str, to: &str, format: TextOrJson) -> Result<String> {
    let targets = cat.map(reference, to)?;
    let scheme = cat.resolve_scheme(to)?;
    if format == TextOrJson::Json {
        #[derive(Serialize)]
        struct Map<'a> {
            from: &'a str,
            to_scheme: &'a str,
            indicative: bool,
            targets: &'a [MapTarget],
        }
        return json(&Map {
            from: reference,
            to_scheme: to,
            indicative: scheme.indicative,
            targets: &targets,
        });
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{reference} -> {to} ({}, {})",
        scheme.name, scheme.version
    );
    if targets.is_empty() {
        let _ = writeln!(out, "  no mapping found");
    }
    let width = targets
        .iter()
        .map(|t| t.requirement.len())
        .max()
        .unwrap_or(0);
    for t in &targets {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<10} {}{}",
            t.requirement,
            t.provenance.as_str(),
            t.title,
            flag(t.uncertain)
        );
        if let Some(via) = &t.via {
            let _ = writeln!(out, "    via {via}");
        }
        for c in &t.citations {
            let _ = writeln!(out, "    source: {c}");
        }
    }
    if scheme.indicative {
        let _ = writeln!(
            out,
            "note: mappings into {to} are indicative (our judgement), not an official mapping"
        );
    }
    Ok(out)
}
