//! Matching components against the store.
//!
//! Owns: candidate lookup through the `vendor:product` index (versions are checked on the
//! index entries, so only records that can apply are loaded, and then only their binary
//! summaries, never the JSON), evaluation of whole NVD
//! configurations (AND/OR nodes, `negate`, platform CPEs such as "firmware X running on
//! hardware Y") against the *set* of components, OSV ranges, and the reason each match is
//! recorded with. Never does: decide anything about a component's presence (analysis does).

use crate::cpe::{hw_version, Cpe};
use crate::import::{EpssEntry, KevEntry};
use crate::record::{Config, CpeMatch, CveRecord, Package};
use crate::summary::{decode_idx, decode_record};
use crate::version::compare;
use crate::{db_err, vex, Result, Store, EPSS, IDX, KEV, REQUIREMENTS, SUM};
use baseline_model::{Component, Vulnerability};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Index key → positions of the components with that key.
type ByKey<'a> = HashMap<&'a str, Vec<usize>>;

/// A component as the matcher sees it.
struct Comp<'a> {
    c: &'a Component,
    cpe: Option<Cpe>,
    /// The CPE's index key, computed once.
    key: Option<String>,
}

/// `Name version` as used in [`Vulnerability::component`].
pub fn component_label(c: &Component) -> String {
    match &c.version {
        Some(v) => format!("{} {v}", c.name),
        None => c.name.clone(),
    }
}

pub(crate) fn match_components(store: &Store, comps: &[Component]) -> Result<Vec<Vulnerability>> {
    let p = &store.path;
    let tx = store.db.begin_read().map_err(db_err(p))?;
    let idx = tx.open_table(IDX).map_err(db_err(p))?;
    let sum_t = tx.open_table(SUM).map_err(db_err(p))?;
    let kev_t = tx.open_table(KEV).map_err(db_err(p))?;
    let epss_t = tx.open_table(EPSS).map_err(db_err(p))?;

    let view: Vec<Comp<'_>> = comps
        .iter()
        .map(|c| {
            let cpe = c.cpe.as_deref().and_then(Cpe::parse);
            let key = cpe.as_ref().map(Cpe::key);
            Comp { c, cpe, key }
        })
        .collect();

    // Index key → the components with that key, for evaluating configurations.
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in view.iter().enumerate() {
        if let Some(k) = c.key.as_deref() {
            by_key.entry(k).or_default().push(i);
        }
    }

    // Candidate CVE → components whose index entries pass the version check.
    let mut candidates: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (i, comp) in view.iter().enumerate() {
        let mut prefixes = Vec::new();
        if let Some(cpe) = &comp.cpe {
            prefixes.push(cpe.key());
        }
        prefixes.push(format!("pkg:{}", comp.c.name.to_ascii_lowercase()));
        for prefix in prefixes {
            let lo = format!("{prefix}\0");
            let hi = format!("{prefix}\u{1}");
            for row in idx
                .range::<&str>(lo.as_str()..hi.as_str())
                .map_err(db_err(p))?
            {
                let (k, v) = row.map_err(db_err(p))?;
                let key = k.value();
                let Some((_, id)) = key.split_once('\0') else {
                    continue;
                };
                let entries = decode_idx(v.value()).unwrap_or_default();
                let pass = if prefix.starts_with("pkg:") {
                    true
                } else {
                    comp.cpe.as_ref().is_some_and(|cpe| {
                        entries
                            .iter()
                            .any(|e| e.conditional || match_one(&e.m, cpe).is_some())
                    })
                };
                if pass {
                    candidates.entry(id.to_owned()).or_default().insert(i);
                }
            }
        }
    }

    let mut out = Vec::new();
    for (id, set) in candidates {
        let Some(raw) = sum_t.get(id.as_str()).map_err(db_err(p))? else {
            continue;
        };
        let Some(rec) = decode_record(raw.value()) else {
            continue;
        };
        let kev: Option<KevEntry> = kev_t
            .get(id.as_str())
            .map_err(db_err(p))?
            .and_then(|v| serde_json::from_slice(v.value()).ok());
        let epss: Option<EpssEntry> = epss_t
            .get(id.as_str())
            .map_err(db_err(p))?
            .and_then(|v| serde_json::from_slice(v.value()).ok());
        for i in set {
            let Some(comp) = view.get(i) else { continue };
            let reason = evaluate(&rec, &view, &by_key, i)
                .or_else(|| evaluate_packages(&rec.packages, comp.c));
            let Some(mut reason) = reason else { continue };
            if let Some(k) = &kev {
                reason.push_str(&format!("; in CISA KEV since {}", k.date_added));
            }
            let mut v = Vulnerability {
                id: rec.id.clone(),
                component: component_label(comp.c),
                cvss: rec.cvss.clone(),
                kev: kev.is_some(),
                epss: epss.as_ref().map(|e| e.epss),
                state: "affected".into(),
                justification: None,
                reason,
                requirements: REQUIREMENTS.iter().map(|r| (*r).to_owned()).collect(),
            };
            vex::refine(&rec, comp.c, &mut v);
            out.push(v);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.component.cmp(&b.component)));
    out.dedup_by(|a, b| a.id == b.id && a.component == b.component);
    Ok(out)
}

/// Does `m` match `c`? `Some(reason)` if so.
pub(crate) fn match_one(m: &CpeMatch, c: &Cpe) -> Option<String> {
    let mc = Cpe::parse(&m.criteria)?;
    match_parsed(m, &mc, c)
}

/// [`match_one`] with the criteria already parsed.
fn match_parsed(m: &CpeMatch, mc: &Cpe, c: &Cpe) -> Option<String> {
    if mc.part != "*" && c.part != "*" && mc.part != c.part {
        return None;
    }
    // Same spelling is the common case; only then is the alias-normalised key built.
    let same = mc.vendor == c.vendor && mc.product == c.product;
    if !same && mc.key() != c.key() {
        return None;
    }
    let comp_v = c.version.as_str();
    let comp_known = !matches!(comp_v, "*" | "-" | "");
    let has_range = m.vsi.is_some() || m.vse.is_some() || m.vei.is_some() || m.vee.is_some();
    if matches!(mc.version.as_str(), "*" | "-") {
        if !has_range {
            let what = if mc.version == "-" {
                "no version given (NVD `-`): every version"
            } else {
                "every version"
            };
            return Some(format!("{} ({what})", m.criteria));
        }
        if !comp_known {
            return None;
        }
        let full = with_update(comp_v, &c.update);
        let mut why = Vec::new();
        if let Some(s) = &m.vsi {
            if compare(&full, s) == Ordering::Less {
                return None;
            }
            why.push(format!("≥ {s}"));
        }
        if let Some(s) = &m.vse {
            if compare(&full, s) != Ordering::Greater {
                return None;
            }
            why.push(format!("> {s}"));
        }
        if let Some(e) = &m.vei {
            if compare(&full, e) == Ordering::Greater {
                return None;
            }
            why.push(format!("≤ {e}"));
        }
        if let Some(e) = &m.vee {
            if compare(&full, e) != Ordering::Less {
                return None;
            }
            why.push(format!("< {e}"));
        }
        return Some(format!("{} with {full} {}", m.criteria, why.join(" and ")));
    }
    if !comp_known {
        return None;
    }
    if c.part == "h" || mc.part == "h" {
        if hw_version(&mc.version) != hw_version(comp_v) {
            return None;
        }
        return Some(format!(
            "{} (hardware version {} = {})",
            m.criteria, mc.version, comp_v
        ));
    }
    let want = with_update(&mc.version, &mc.update);
    let have = with_update(comp_v, &c.update);
    if compare(&want, &have) != Ordering::Equal {
        return None;
    }
    Some(format!("{} (version {have} listed)", m.criteria))
}

fn with_update(v: &str, update: &str) -> String {
    if matches!(update, "*" | "-" | "") {
        v.to_owned()
    } else {
        format!("{v}{update}")
    }
}

/// Evaluate every configuration of `rec` for the component `i` among `all`.
fn evaluate(rec: &CveRecord, all: &[Comp<'_>], by_key: &ByKey<'_>, i: usize) -> Option<String> {
    let target = all.get(i)?.cpe.as_ref()?;
    for cfg in &rec.configs {
        if let Some(r) = eval_config(cfg, all, by_key, target) {
            return Some(r);
        }
    }
    None
}

fn eval_config(cfg: &Config, all: &[Comp<'_>], by_key: &ByKey<'_>, target: &Cpe) -> Option<String> {
    // Per node: is it satisfied by the component set, and did a vulnerable match hit target?
    let mut node_results = Vec::with_capacity(cfg.nodes.len());
    for node in &cfg.nodes {
        let mut hits = Vec::new();
        let mut target_reason = None;
        for m in &node.matches {
            let mut hit = None;
            let Some(mc) = Cpe::parse(&m.criteria) else {
                hits.push(None);
                continue;
            };
            let key = mc.key();
            let same_key = by_key.get(key.as_str()).map_or(&[][..], Vec::as_slice);
            for comp in same_key.iter().filter_map(|&j| all.get(j)) {
                if let Some(cpe) = &comp.cpe {
                    if let Some(r) = match_parsed(m, &mc, cpe) {
                        if m.vulnerable && cpe == target && target_reason.is_none() {
                            target_reason = Some(r.clone());
                        }
                        hit = Some((r, comp.c));
                        break;
                    }
                }
            }
            // A vulnerable match may hit the target even when another component hit first.
            if m.vulnerable && target_reason.is_none() {
                target_reason = match_parsed(m, &mc, target);
            }
            hits.push(hit);
        }
        let raw = if node.and {
            hits.iter().all(Option::is_some)
        } else {
            hits.iter().any(Option::is_some)
        };
        let sat = raw != node.negate;
        let platform: Vec<String> = node
            .matches
            .iter()
            .zip(&hits)
            .filter(|(m, _)| !m.vulnerable)
            .filter_map(|(_, h)| h.as_ref())
            .map(|(r, c)| format!("running on {} ({r})", component_label(c)))
            .collect();
        node_results.push((
            sat,
            if node.negate { None } else { target_reason },
            platform,
        ));
    }
    if cfg.and {
        if !node_results.iter().all(|n| n.0) {
            return None;
        }
        let reason = node_results.iter().find_map(|n| n.1.clone())?;
        let platforms: Vec<String> = node_results.iter().flat_map(|n| n.2.clone()).collect();
        if platforms.is_empty() {
            Some(reason)
        } else {
            Some(format!("{reason}; {}", platforms.join("; ")))
        }
    } else {
        node_results
            .into_iter()
            .find(|n| n.0 && n.1.is_some())
            .and_then(|n| n.1)
    }
}

/// OSV: the component's name and version against the record's affected packages.
fn evaluate_packages(pkgs: &[Package], c: &Component) -> Option<String> {
    let name = c.name.to_ascii_lowercase();
    let v = c.version.as_deref()?;
    for p in pkgs.iter().filter(|p| p.name == name) {
        if p.versions.iter().any(|x| compare(x, v) == Ordering::Equal) {
            return Some(format!(
                "OSV {} {}: version {v} listed",
                p.ecosystem, p.name
            ));
        }
        for (intro, fixed, last) in &p.ranges {
            let lo = intro
                .as_deref()
                .filter(|s| *s != "0")
                .is_none_or(|s| compare(v, s) != Ordering::Less);
            let hi_fixed = fixed
                .as_deref()
                .is_none_or(|s| compare(v, s) == Ordering::Less);
            let hi_last = last
                .as_deref()
                .is_none_or(|s| compare(v, s) != Ordering::Greater);
            if lo && hi_fixed && hi_last && (fixed.is_some() || last.is_some() || intro.is_some()) {
                return Some(format!(
                    "OSV {} {}: {v} in [{}, {})",
                    p.ecosystem,
                    p.name,
                    intro.as_deref().unwrap_or("0"),
                    fixed
                        .as_deref()
                        .map(str::to_owned)
                        .or_else(|| last.as_deref().map(|l| format!("{l}]")))
                        .unwrap_or_else(|| "∞".into())
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(criteria: &str) -> CpeMatch {
        CpeMatch {
            vulnerable: true,
            criteria: criteria.into(),
            ..CpeMatch::default()
        }
    }

    #[test]
    fn ranges_including_excluding() {
        let c = Cpe::parse("cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*").unwrap();
        let mut x = m("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*");
        x.vei = Some("1.25.1".into());
        assert!(match_one(&x, &c).unwrap().contains("≤ 1.25.1"));
        x.vsi = Some("1.27.0".into());
        assert!(match_one(&x, &c).is_none());
        let mut y = m("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*");
        y.vee = Some("1.01".into());
        assert!(match_one(&y, &c).is_none(), "end excluding is exclusive");
        let mut z = m("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*");
        z.vse = Some("1.01".into());
        assert!(match_one(&z, &c).is_none(), "start excluding is exclusive");
        assert!(match_one(&m("cpe:2.3:a:busybox:busybox:1.1:*:*:*:*:*:*:*"), &c).is_some());
        assert!(match_one(&m("cpe:2.3:a:busybox:busybox:1.27.2:*:*:*:*:*:*:*"), &c).is_none());
        assert!(match_one(&m("cpe:2.3:a:busybox:busybox:-:*:*:*:*:*:*:*"), &c).is_some());
    }

    #[test]
    fn openssh_update_field_and_hardware_aliases() {
        let c = Cpe::parse("cpe:2.3:a:openbsd:openssh:7.4p1:*:*:*:*:*:*:*").unwrap();
        assert!(match_one(&m("cpe:2.3:a:openbsd:openssh:7.4:p1:*:*:*:*:*:*"), &c).is_some());
        assert!(match_one(&m("cpe:2.3:a:openbsd:openssh:7.4:p2:*:*:*:*:*:*"), &c).is_none());
        let h = Cpe::parse("cpe:2.3:h:tp-link:tl-wr940n:v4:*:*:*:*:*:*:*").unwrap();
        assert!(match_one(&m("cpe:2.3:h:tp-link:wr940n:4:*:*:*:*:*:*:*"), &h).is_some());
        assert!(match_one(&m("cpe:2.3:h:tp-link:tl-wr940n:4.0:*:*:*:*:*:*:*"), &h).is_some());
        assert!(match_one(&m("cpe:2.3:h:tp-link:tl-wr940n:2.0:*:*:*:*:*:*:*"), &h).is_none());
    }
}
