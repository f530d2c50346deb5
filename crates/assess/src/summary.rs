//! Per-scheme summaries: counts of each outcome and an overall outcome (`fail` if anything
//! failed, else `inconclusive` if anything is undecided, else `pass`; `not-applicable` when
//! nothing applied). Label schemes also carry the highest level the evidence supports.

use baseline_catalogue::Catalogue;
use baseline_model::{Outcome, SchemeSummary, Verdict};
use std::collections::BTreeMap;

/// The overall outcome of a set of outcomes.
pub fn overall(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut seen = [false; 4];
    for o in outcomes {
        let i = match o {
            Outcome::Fail => 0,
            Outcome::Inconclusive => 1,
            Outcome::Pass => 2,
            Outcome::NotApplicable => 3,
        };
        if let Some(s) = seen.get_mut(i) {
            *s = true;
        }
    }
    match seen {
        [true, ..] => Outcome::Fail,
        [_, true, ..] => Outcome::Inconclusive,
        [_, _, true, _] => Outcome::Pass,
        _ => Outcome::NotApplicable,
    }
}

/// Count the verdicts of each scheme present. `levels` gives label schemes' levels.
pub fn summarise(
    catalogue: &Catalogue,
    verdicts: &[Verdict],
    levels: &BTreeMap<String, String>,
) -> BTreeMap<String, SchemeSummary> {
    let mut out: BTreeMap<String, SchemeSummary> = BTreeMap::new();
    let mut outcomes: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
    for v in verdicts {
        let scheme = v.requirement.split(':').next().unwrap_or("").to_owned();
        let s = out.entry(scheme.clone()).or_default();
        match v.outcome {
            Outcome::Pass => s.pass += 1,
            Outcome::Fail => s.fail += 1,
            Outcome::Inconclusive => s.inconclusive += 1,
            Outcome::NotApplicable => s.not_applicable += 1,
        }
        s.uncertain |= v.uncertain;
        outcomes.entry(scheme).or_default().push(v.outcome);
    }
    for (scheme, s) in out.iter_mut() {
        s.overall = overall(outcomes.get(scheme).into_iter().flatten().copied());
        s.indicative = catalogue.scheme(scheme).is_some_and(|x| x.indicative);
        s.level = levels.get(scheme).cloned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overall_is_the_worst_outcome() {
        use Outcome::*;
        assert_eq!(overall([Pass, Fail, Inconclusive]), Fail);
        assert_eq!(overall([Pass, NotApplicable, Inconclusive]), Inconclusive);
        assert_eq!(overall([Pass, NotApplicable]), Pass);
        assert_eq!(overall([NotApplicable]), NotApplicable);
        assert_eq!(overall([]), NotApplicable);
    }
}
