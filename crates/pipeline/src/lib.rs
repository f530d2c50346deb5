//! The whole Baseline assessment as one library call.
//!
//! Owns: reading and checking the inputs ([`Inputs::read`]), then [`run`]: unpack every
//! image as one product, run the analysers, match components against the offline
//! vulnerability store under the store policy ([`VulnDb`]), fetch and archive the
//! manufacturer's published information when asked ([`SiteRequest`]), decide scope once,
//! evaluate the verdicts and summarise. The result is a typed [`Assessment`] (the JSON
//! contract of DESIGN.md) plus the engine's output that the answers template needs; the
//! finding-code [`registry`] of every producing crate lives here too.
//!
//! Never does: terminal I/O or rendering. Progress goes to a [`Progress`] the caller
//! implements (a progress bar in the CLI, a job row in the service, nothing in tests);
//! problems an analyser or the store policy meets that do not stop the assessment are
//! [`Notice`](baseline_model::Assessment::notices)s in the assessment, and `Err` means the
//! assessment could not run (an unreadable input, an explicit store that is absent).
//!
//! Callers: `baseline assess`, `baseline answers template`, and later the case register
//! (`baseline case assess`), the web service's job worker and the sweep workers. They all get
//! the same evidence because they all call [`run`].

use baseline_analysis::Options as AnalysisOptions;
use baseline_assess::{Answers, EngineOutput};
use baseline_catalogue::Catalogue;
use baseline_model::checks::Registry;
use baseline_model::{ArtifactSummary, AssessedProduct, Assessment, Notice, NoticeKind, Product};
use baseline_unpack::{Limits, NodeId};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use baseline_site::FetchOptions;

/// Why the assessment could not run. Each variant names the file or field at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Input(#[from] baseline_assess::AssessError),
    #[error(transparent)]
    Catalogue(#[from] baseline_catalogue::CatalogueError),
    #[error("unpacking: {0}")]
    Unpack(#[from] baseline_unpack::Error),
    #[error(transparent)]
    VulnDb(#[from] baseline_vulndb::Error),
    #[error("no vulnerability store at {}", .0.display())]
    VulnDbAbsent(PathBuf),
    #[error("site evidence: {0}")]
    Site(#[from] baseline_site::Error),
    #[error("{} already holds an archive; choose another site evidence folder", .0.display())]
    ArchiveExists(PathBuf),
    #[error("{}: not an assessment written by `baseline assess --format json`: {source}", path.display())]
    NotAnAssessment {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: schema is `{found}`, expected `{}`", path.display(), baseline_model::ASSESSMENT_SCHEMA)]
    Schema { path: PathBuf, found: String },
    #[error("writing site evidence to {}: {source}", path.display())]
    ArchiveWrite {
        path: PathBuf,
        #[source]
        source: baseline_site::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One firmware image (or partition file) of the product.
#[derive(Debug, Clone)]
pub struct Image {
    /// The name reports use for it (the file name as given).
    pub name: String,
    pub data: Bytes,
}

/// The product file, parsed and validated, with its text (the site step reads its
/// `[disclosure]`/`[support]` URLs from it).
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub product: Product,
    pub toml: String,
    /// Where it came from, for messages.
    pub origin: String,
}

impl ProductInput {
    /// Parse and validate a product file's text.
    pub fn parse(toml: &str, origin: &str) -> Result<ProductInput> {
        Ok(ProductInput {
            product: baseline_assess::parse_product(toml, origin)?,
            toml: toml.to_owned(),
            origin: origin.to_owned(),
        })
    }

    /// Read, parse and validate a product file.
    pub fn read(path: &Path) -> Result<ProductInput> {
        let text = read_text("product file", path)?;
        ProductInput::parse(&text, &path.display().to_string())
    }
}

/// The manufacturer's published information to fetch, archive and judge (DISC/SUPP).
#[derive(Debug, Clone)]
pub struct SiteRequest {
    /// The manufacturer's site URL; the product file's `[disclosure]`/`[support]` URLs are
    /// added to it.
    pub url: String,
    /// Folder the archive is written to; refused when it already holds one.
    pub evidence_dir: PathBuf,
    pub fetch: FetchOptions,
}

/// Everything one assessment reads, checked before any work.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub images: Vec<Image>,
    pub product: Option<ProductInput>,
    pub answers: Option<Answers>,
    pub site: Option<SiteRequest>,
}

impl Inputs {
    /// Read and check the files of an assessment: a malformed product or answers file or an
    /// unreadable image is an error naming the file before anything is unpacked.
    pub fn read(
        images: &[PathBuf],
        product: Option<&Path>,
        answers: Option<&Path>,
    ) -> Result<Inputs> {
        let product = product.map(ProductInput::read).transpose()?;
        let answers = match answers {
            Some(path) => {
                let text = read_text("answers file", path)?;
                Some(baseline_assess::parse_answers(
                    &text,
                    &path.display().to_string(),
                    Catalogue::embedded(),
                )?)
            }
            None => None,
        };
        let mut list = Vec::with_capacity(images.len());
        for path in images {
            let data = std::fs::read(path).map_err(|source| Error::Read {
                what: "image",
                path: path.clone(),
                source,
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            list.push(Image {
                name,
                data: Bytes::from(data),
            });
        }
        Ok(Inputs {
            images: list,
            product,
            answers,
            site: None,
        })
    }
}

/// Read an assessment written by `baseline assess --format json` (the statement of
/// compliance, the register and the sweep report read them back).
pub fn read_assessment(path: &Path) -> Result<Assessment> {
    let text = read_text("assessment", path)?;
    let a: Assessment = serde_json::from_str(&text).map_err(|source| Error::NotAnAssessment {
        path: path.to_owned(),
        source,
    })?;
    if a.schema != baseline_model::ASSESSMENT_SCHEMA {
        return Err(Error::Schema {
            path: path.to_owned(),
            found: a.schema,
        });
    }
    Ok(a)
}

/// Read a text input, naming it in the error.
pub fn read_text(what: &'static str, path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

/// Which vulnerability store to match against, and what its absence means.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum VulnDb {
    /// The user's default store (`baseline vulndb`'s); absent, old or unreadable-location is
    /// a notice and the assessment goes on without known vulnerabilities.
    #[default]
    Default,
    /// A store the caller named: absent or in an old format is an error.
    At(PathBuf),
    /// Do not match (the caller said so; recorded as a notice).
    Off,
}

/// How to assess.
#[derive(Debug, Clone)]
pub struct Options {
    pub analysis: AnalysisOptions,
    /// Schemes to report (catalogue ids); empty means every scheme.
    pub schemes: Vec<String>,
    pub vulndb: VulnDb,
    pub limits: Limits,
    /// "Now" as Unix seconds, for the store's staleness (default: the clock).
    pub now: Option<i64>,
    /// Tool version written into the assessment.
    pub tool_version: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            analysis: AnalysisOptions::default(),
            schemes: Vec::new(),
            vulndb: VulnDb::Default,
            limits: Limits::default(),
            now: None,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// A stage of [`run`], in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Unpack,
    Analyse,
    VulnDb,
    Site,
    Evaluate,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Unpack => "unpack",
            Stage::Analyse => "analyse",
            Stage::VulnDb => "vulndb",
            Stage::Site => "site",
            Stage::Evaluate => "evaluate",
        }
    }
}

/// What [`run`] reports while it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A stage starts.
    Started(Stage),
    /// Unpacking made progress: nodes so far, bytes extracted, nodes still queued.
    Unpacking {
        nodes: usize,
        extracted_bytes: u64,
        queued: usize,
    },
    /// A stage (or an analyser family, by name) finished and took this long.
    Finished { stage: &'a str, took: Duration },
}

/// Receives [`Event`]s. Called from worker threads, so it must be `Sync`.
pub trait Progress: Sync {
    fn event(&self, event: Event<'_>);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: Event<'_>) {}
}

/// What [`run`] produced.
#[derive(Debug, Clone)]
pub struct Run {
    pub assessment: Assessment,
    /// The engine's own output (conditions, verdicts, notices), which the answers template
    /// renders from.
    pub engine: EngineOutput,
    /// The site archive's folder when site evidence was fetched.
    pub site_archive: Option<PathBuf>,
}

/// Run the whole assessment. Deterministic for identical inputs, options and store.
pub fn run(inputs: &Inputs, options: &Options, progress: &dyn Progress) -> Result<Run> {
    for s in &options.schemes {
        Catalogue::embedded().resolve_scheme(s)?;
    }
    let mut assessment = Assessment::new(&options.tool_version);
    let scope = inputs
        .product
        .as_ref()
        .map(|p| baseline_assess::decide(&p.product));
    if let (Some(p), Some(scope)) = (&inputs.product, &scope) {
        assessment.product = Some(AssessedProduct {
            product: p.product.clone(),
            scope: scope.clone(),
        });
    }
    if let Some(a) = &inputs.answers {
        assessment.answers = serde_json::to_value(a).unwrap_or(serde_json::Value::Null);
    }
    if !inputs.images.is_empty() {
        analyse(inputs, options, &mut assessment, progress)?;
        let t = Instant::now();
        progress.event(Event::Started(Stage::VulnDb));
        match_vulnerabilities(&mut assessment, &options.vulndb, options.now)?;
        finished(progress, Stage::VulnDb.as_str(), t);
    }
    let mut site_archive = None;
    if let Some(site) = &inputs.site {
        let t = Instant::now();
        progress.event(Event::Started(Stage::Site));
        site_evidence(site, inputs.product.as_ref(), &mut assessment)?;
        site_archive = Some(site.evidence_dir.clone());
        finished(progress, Stage::Site.as_str(), t);
    }
    let t = Instant::now();
    progress.event(Event::Started(Stage::Evaluate));
    let engine = baseline_assess::evaluate(baseline_assess::EngineInput {
        catalogue: Catalogue::embedded(),
        product: inputs.product.as_ref().map(|p| &p.product),
        scope: scope.as_ref(),
        answers: inputs.answers.as_ref(),
        findings: &assessment.findings,
        schemes: &options.schemes,
    })?;
    assessment.verdicts = engine.verdicts.clone();
    assessment.summary = engine.summary.clone();
    assessment.conditions = engine.conditions.clone();
    assessment.notices.extend(engine.notices.iter().cloned());
    finished(progress, Stage::Evaluate.as_str(), t);
    Ok(Run {
        assessment,
        engine,
        site_archive,
    })
}

fn finished(progress: &dyn Progress, stage: &str, since: Instant) {
    progress.event(Event::Finished {
        stage,
        took: since.elapsed(),
    });
}

/// Unpack and analyse; fill artifacts, findings, components and notices.
fn analyse(
    inputs: &Inputs,
    options: &Options,
    assessment: &mut Assessment,
    progress: &dyn Progress,
) -> Result<()> {
    progress.event(Event::Started(Stage::Unpack));
    let started = Instant::now();
    // Compile the analysers' tables and load the catalogue while unpacking, which leaves
    // gaps on the cores (serial stretches between its parallel ones).
    let warm = std::thread::spawn(|| {
        baseline_analysis::warm_up();
        let _ = Catalogue::embedded();
    });
    let images: Vec<(String, Bytes)> = inputs
        .images
        .iter()
        .map(|i| (i.name.clone(), i.data.clone()))
        .collect();
    let engine = baseline_unpack::Engine::new(options.limits.clone());
    let unpacked = engine.unpack_inputs_with_progress(&images, &|p| {
        progress.event(Event::Unpacking {
            nodes: p.nodes,
            extracted_bytes: p.extracted_bytes,
            queued: p.queued,
        });
    })?;
    let tree = &unpacked.tree;
    finished(progress, Stage::Unpack.as_str(), started);
    for (&root, image) in tree.roots().iter().zip(&inputs.images) {
        assessment.artifacts.push(ArtifactSummary {
            sha256: hex::encode(Sha256::digest(&image.data)),
            size: image.data.len() as u64,
            name: tree
                .get(root)
                .map(|n| n.name.clone())
                .unwrap_or(image.name.clone()),
            format: outer_format(tree, root),
        });
    }
    // Its work is only a head start: analyse and evaluate build what it has not.
    let _ = warm.join();
    progress.event(Event::Started(Stage::Analyse));
    let analysis = baseline_analysis::analyse(tree, &options.analysis);
    for (stage, took) in &analysis.timings {
        progress.event(Event::Finished { stage, took: *took });
    }
    assessment.findings = analysis.findings;
    assessment.components = analysis.components;
    assessment.notices = analysis.notices;
    if let Some(p) = &inputs.product {
        baseline_analysis::comp::device::apply_product(&p.product, &mut assessment.components);
    }
    Ok(())
}

/// The format identified for the input itself, or for a structure spanning it.
fn outer_format(tree: &baseline_unpack::ArtifactTree, root: NodeId) -> Option<String> {
    let node = tree.get(root)?;
    if let Some(f) = node.format {
        return Some(f.to_owned());
    }
    node.children
        .first()
        .and_then(|c| tree.get(*c))
        .filter(|c| c.offset == Some(0))
        .and_then(|c| c.format)
        .map(str::to_owned)
}

/// The clock as Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn vuln_notice(message: String) -> Notice {
    Notice::new(NoticeKind::VulnerabilityStore, Some("VULN"), message)
}

/// The store policy: a store the caller named must be there and current; the default store
/// may be missing (a notice says known vulnerabilities were not checked).
fn match_vulnerabilities(assessment: &mut Assessment, db: &VulnDb, now: Option<i64>) -> Result<()> {
    let (path, explicit) = match db {
        VulnDb::Off => {
            assessment.notices.push(vuln_notice(
                "vulnerability matching switched off; known vulnerabilities were not checked"
                    .into(),
            ));
            return Ok(());
        }
        VulnDb::At(p) => (p.clone(), true),
        VulnDb::Default => match baseline_vulndb::default_path() {
            Some(p) => (p, false),
            None => {
                assessment.notices.push(vuln_notice(
                    "no vulnerability store (no data directory); known vulnerabilities were not checked"
                        .into(),
                ));
                return Ok(());
            }
        },
    };
    let store = match baseline_vulndb::Store::open(&path) {
        Ok(s) => s,
        Err(baseline_vulndb::Error::Absent(p)) => {
            if explicit {
                return Err(Error::VulnDbAbsent(p));
            }
            assessment.notices.push(vuln_notice(format!(
                "no vulnerability store at {} (run `baseline vulndb import`); known vulnerabilities were not checked",
                p.display()
            )));
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let status = store.status(now.unwrap_or_else(unix_now))?;
    if status.needs_upgrade() {
        let e = baseline_vulndb::Error::OldFormat {
            path: path.clone(),
            found: status.format,
            want: baseline_vulndb::FORMAT,
        };
        if explicit {
            return Err(e.into());
        }
        assessment.notices.push(vuln_notice(format!(
            "{e}; known vulnerabilities were not checked"
        )));
        return Ok(());
    }
    if status.is_stale() {
        assessment.notices.push(vuln_notice(format!(
            "the vulnerability store is stale (newest data {} days old); import current NVD/KEV data",
            status.age_days.map_or_else(|| "?".to_owned(), |d| d.to_string())
        )));
    }
    assessment.vulnerabilities = store.match_components(&assessment.components)?;
    // Matches the evidence does not rule out become VULN findings the rules weigh.
    assessment.findings.extend(baseline_vulndb::findings(
        &assessment.components,
        &assessment.vulnerabilities,
    ));
    assessment
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(())
}

/// Fetch the manufacturer's published information, archive it, and add its findings.
fn site_evidence(
    site: &SiteRequest,
    product: Option<&ProductInput>,
    assessment: &mut Assessment,
) -> Result<()> {
    use baseline_site::SiteInput;
    let cli = SiteInput {
        site: Some(site.url.clone()),
        ..SiteInput::default()
    };
    let input = match product {
        Some(p) => cli.or(SiteInput::from_product_toml(&p.toml)?),
        None => cli,
    };
    let dir = &site.evidence_dir;
    if dir.join("index.json").exists() {
        return Err(Error::ArchiveExists(dir.clone()));
    }
    let report = baseline_site::check(&input, &site.fetch, &[])?;
    if let Some(a) = &report.archive {
        a.write(dir).map_err(|source| Error::ArchiveWrite {
            path: dir.clone(),
            source,
        })?;
    }
    assessment.notices.push(Notice::new(
        NoticeKind::SiteArchive,
        None,
        format!(
            "site evidence for {} archived in {} (re-check offline: baseline site --from-dir)",
            site.url,
            dir.display()
        ),
    ));
    assessment.findings.extend(report.findings);
    assessment
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(())
}

/// Every finding code of every producing crate (analysis, site, vulndb), in code order.
///
/// Adding a check is one file in its crate plus one line in that crate's list; the
/// registry refuses a code registered twice (a test builds it).
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let analysis = baseline_analysis::checks();
        let site = baseline_site::codes::checks();
        // The lists are static: a duplicate or malformed code is a programming error that
        // `registry_holds_every_family_once` catches, never something input can cause.
        Registry::new(&[&analysis, &site, baseline_vulndb::checks::CHECKS])
            .expect("registered finding codes are unique and well formed")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use baseline_model::checks::Family;

    #[test]
    fn registry_holds_every_family_once() {
        let analysis = baseline_analysis::checks();
        let site = baseline_site::codes::checks();
        let r = Registry::new(&[&analysis, &site, baseline_vulndb::checks::CHECKS])
            .expect("the registered codes are unique and well formed");
        assert_eq!(r, *registry());
        for family in Family::ALL {
            assert!(
                r.family(family).next().is_some(),
                "no code registered for {}",
                family.prefix()
            );
        }
        assert_eq!(r.get("CRED-001").unwrap().name, "fixed-password-hash");
        assert_eq!(r.get("DISC-101").unwrap().name, "disclosure-policy-missing");
        assert_eq!(
            r.get("VULN-001").unwrap().name,
            "known-exploited-vulnerability"
        );
    }

    /// docs/checks.md is the registry rendered; set BASELINE_BLESS=1 to rewrite it.
    #[test]
    fn docs_checks_md_matches_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/checks.md");
        let want = registry().markdown();
        if std::env::var_os("BASELINE_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
            return;
        }
        let doc = std::fs::read_to_string(path).unwrap();
        assert!(
            doc == want,
            "docs/checks.md is stale: run `BASELINE_BLESS=1 cargo test -p baseline-pipeline` \
             or `baseline checks --format markdown -o docs/checks.md`"
        );
    }

    #[test]
    fn every_code_is_documented_in_the_style_sections() {
        let mut missing = Vec::new();
        for c in registry().checks() {
            let help = c.doc.markdown();
            for section in [
                "**What it checks.**",
                "**Why it matters.**",
                "**Evidence.**",
                "**Known false positives.**",
                "**References.**",
            ] {
                if !help.contains(section) {
                    missing.push(format!("{} lacks {section}", c.code));
                }
            }
            assert!(!c.summary.is_empty(), "{}: no summary", c.code);
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn bad_product_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, "[product]\nname = 1\n").unwrap();
        let e = Inputs::read(&[], Some(&p), None).unwrap_err().to_string();
        assert!(e.contains("p.toml"), "{e}");
    }

    #[test]
    fn missing_image_is_an_error_naming_it() {
        let e = Inputs::read(&[PathBuf::from("/nonexistent/fw.bin")], None, None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("reading image /nonexistent/fw.bin"), "{e}");
    }

    #[test]
    fn explicit_absent_store_is_an_error_default_is_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = Inputs {
            images: vec![Image {
                name: "blob.bin".into(),
                data: Bytes::from_static(b"not firmware at all"),
            }],
            ..Inputs::default()
        };
        let absent = dir.path().join("none.redb");
        let opts = Options {
            vulndb: VulnDb::At(absent.clone()),
            ..Options::default()
        };
        match run(&inputs, &opts, &Silent) {
            Err(Error::VulnDbAbsent(p)) => assert_eq!(p, absent),
            other => panic!("expected VulnDbAbsent, got {other:?}"),
        }
        let opts = Options {
            vulndb: VulnDb::Off,
            ..Options::default()
        };
        let out = run(&inputs, &opts, &Silent).unwrap();
        assert_eq!(out.assessment.artifacts.len(), 1);
        assert_eq!(out.assessment.artifacts[0].name, "blob.bin");
        assert!(out
            .assessment
            .notices
            .iter()
            .any(|n| n.kind == NoticeKind::VulnerabilityStore
                && n.message.starts_with("vulnerability matching switched off")));
    }

    #[test]
    fn unknown_scheme_is_refused_before_work() {
        let opts = Options {
            schemes: vec!["nope".into()],
            ..Options::default()
        };
        assert!(matches!(
            run(&Inputs::default(), &opts, &Silent),
            Err(Error::Catalogue(_))
        ));
    }

    #[test]
    fn progress_sees_every_stage_in_order() {
        use std::sync::Mutex;
        struct Record(Mutex<Vec<Stage>>);
        impl Progress for Record {
            fn event(&self, e: Event<'_>) {
                if let Event::Started(s) = e {
                    self.0.lock().unwrap().push(s);
                }
            }
        }
        let rec = Record(Mutex::new(Vec::new()));
        let inputs = Inputs {
            images: vec![Image {
                name: "x.bin".into(),
                data: Bytes::from_static(&[0u8; 64]),
            }],
            ..Inputs::default()
        };
        let opts = Options {
            vulndb: VulnDb::Off,
            ..Options::default()
        };
        run(&inputs, &opts, &rec).unwrap();
        assert_eq!(
            *rec.0.lock().unwrap(),
            vec![
                Stage::Unpack,
                Stage::Analyse,
                Stage::VulnDb,
                Stage::Evaluate
            ]
        );
    }
}
