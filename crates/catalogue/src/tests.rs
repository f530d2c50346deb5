//! Validation of the embedded data and of the lookups others build on.

use super::*;
use std::collections::{BTreeMap, HashSet};

fn cat() -> &'static Catalogue {
    Catalogue::embedded()
}

#[test]
fn counts_per_scheme_are_pinned() {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in cat().requirements() {
        *counts.entry(r.scheme.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        ("psti", 51),
        ("en303645", 68),
        ("en303645-v3", 78),
        ("uk-cop", 13),
        ("au-cop", 13),
        ("sg-cls", 4),
        ("fi-label", 18),
        ("in-cop", 13),
        ("cra", 24),
        ("en18031", 64),
        ("nistir8425", 10),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
    assert_eq!(cat().schemes().len(), 11);
    assert_eq!(cat().all_test_cases().len(), 109);
    assert_eq!(cat().conditions("en303645").count(), 13);
    assert_eq!(cat().conditions("en303645-v3").count(), 5);
    assert_eq!(cat().features("en303645-v3").count(), 27);
}

#[test]
fn references_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for r in cat().requirements() {
        assert!(seen.insert(r.reference()), "duplicate {}", r.reference());
        assert!(cat().scheme(&r.scheme).is_some());
        assert!(!r.id.contains(':') && !r.id.contains(' '), "{}", r.id);
        assert!(!r.citation.is_empty(), "{} has no citation", r.reference());
    }
    let mut tc = HashSet::new();
    for t in cat().all_test_cases() {
        assert!(tc.insert(t.id.clone()));
    }
}

#[test]
fn every_mapping_end_exists() {
    assert!(cat().mappings().len() > 300);
    for m in cat().mappings() {
        assert!(cat().get(&m.source).is_some(), "{}", m.source);
        assert!(cat().get(&m.target).is_some(), "{}", m.target);
        assert_ne!(m.source, m.target);
        assert!(!m.citation.is_empty());
    }
}

#[test]
fn etsi_statuses_and_conditions_are_valid() {
    for scheme in ["en303645", "en303645-v3"] {
        for r in cat().requirements_of(scheme) {
            let st = r
                .status
                .as_ref()
                .unwrap_or_else(|| panic!("{} has no status", r.reference()));
            for c in &st.conditions {
                assert!(
                    cat().condition(scheme, *c).is_some(),
                    "{} C({c})",
                    r.reference()
                );
            }
            for f in &st.features {
                assert!(
                    cat().feature(scheme, f).is_some(),
                    "{} F({f})",
                    r.reference()
                );
            }
        }
    }
    // Only the four V2.1.1 notations occur in the version the Regulations cite.
    for r in cat().requirements_of("en303645") {
        let st = r.status.as_ref().unwrap();
        assert!(st.features.is_empty(), "{}", r.reference());
    }
    let status = |r: &str| cat().get(r).unwrap().status.as_ref().unwrap().to_string();
    assert_eq!(status("en303645:4-1"), "M");
    assert_eq!(status("en303645:5.1-1"), "M C(1)");
    assert_eq!(status("en303645:5.1-2"), "M C(2)");
    assert_eq!(status("en303645:5.3-6"), "R C(9,12)");
    assert_eq!(status("en303645:5.3-10"), "M C(11,12)");
    assert_eq!(status("en303645:5.3-14"), "R C(3,4)");
    assert_eq!(status("en303645:5.6-4"), "M C(13)");
    assert_eq!(status("en303645:6-5"), "M C(6)");
    assert_eq!(status("en303645-v3:5.1-5"), "M CF(14,e)");
    assert_eq!(status("en303645-v3:6-7"), "R F(aa)");
    let mandatory = cat()
        .requirements_of("en303645")
        .filter(|r| r.status.as_ref().is_some_and(Status::is_mandatory))
        .count();
    assert_eq!(mandatory, 33);
    let ids: Vec<&str> = cat()
        .requirements_of("en303645")
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids.first(), Some(&"4-1"));
    assert_eq!(ids.last(), Some(&"6-5"));
}

#[test]
fn uncertain_items_of_the_research_stay_uncertain() {
    for r in [
        "psti:sch3-ni",
        "psti:sch3-vehicle",
        "psti:sch2-p3",
        "psti:sch2-cls",
        "psti:sch2-jcstar",
        "psti:sch1-p3-no-shorten",
        "psti:sch4-1",
        "psti:sch4-7",
        "en303645:6-3",
        "uk-cop:7",
        "uk-cop:13",
        "au-cop:5",
        "sg-cls:L1",
        "in-cop:1",
        "fi-label:5.1-1",
    ] {
        assert!(
            cat().lookup(r).unwrap().uncertain,
            "{r} should be uncertain"
        );
    }
    for r in cat().requirements_of("en303645-v3") {
        assert!(r.uncertain, "{}", r.reference());
    }
    for r in [
        "psti:sch1-p1",
        "psti:sch3-computer",
        "en303645:5.1-1",
        "uk-cop:1",
    ] {
        assert!(!cat().lookup(r).unwrap().uncertain, "{r}");
    }
}

#[test]
fn psti_schedule_1_has_its_paragraphs_and_sub_items() {
    for p in ["sch1-p1", "sch1-p2", "sch1-p3"] {
        let r = cat().lookup(&format!("psti:{p}")).unwrap();
        assert_eq!(r.kind, Kind::Requirement);
        assert!(r.citation.starts_with("SI 2023/1007 Sch. 1 para."));
    }
    let subs: Vec<String> = cat()
        .children("psti:sch1-p1")
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(
        subs,
        [
            "sch1-p1-1",
            "sch1-p1-3a",
            "sch1-p1-3b",
            "sch1-p1-3c",
            "sch1-p1-3d",
            "sch1-p1-4",
            "sch1-p1-5"
        ]
    );
    assert_eq!(cat().children("psti:sch1-p3").count(), 6);
    assert_eq!(
        cat().lookup("psti:sch3-computer").unwrap().citation,
        "SI 2023/1007 Sch. 3 para. 5"
    );
    assert_eq!(
        cat()
            .requirements_of("psti")
            .filter(|r| r.kind == Kind::Exception)
            .count(),
        6
    );
    assert_eq!(
        cat()
            .requirements_of("psti")
            .filter(|r| r.kind == Kind::StatementContent)
            .count(),
        7
    );
}

#[test]
fn legal_mappings_are_exactly_schedule_2() {
    let mut legal: Vec<(String, String)> = cat()
        .mappings()
        .iter()
        .filter(|m| m.provenance == Provenance::Legal)
        .map(|m| (m.source.clone(), m.target.clone()))
        .collect();
    legal.sort();
    let expected: Vec<(String, String)> = [
        ("psti:sch1-p1", "en303645:5.1-1"),
        ("psti:sch1-p1", "en303645:5.1-2"),
        ("psti:sch1-p1", "sg-cls:L1"),
        ("psti:sch1-p2", "en303645:5.2-1"),
        ("psti:sch1-p2", "sg-cls:L1"),
        ("psti:sch1-p3", "en303645:5.3-13"),
        ("psti:sch1-p3", "sg-cls:L1"),
        ("psti:sch2-cls", "sg-cls:L1"),
        ("psti:sch2-p1", "en303645:5.1-1"),
        ("psti:sch2-p1", "en303645:5.1-2"),
        ("psti:sch2-p2", "en303645:5.2-1"),
        ("psti:sch2-p3", "en303645:5.3-13"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(legal, expected);
    for m in cat()
        .mappings()
        .iter()
        .filter(|m| m.provenance == Provenance::Legal)
    {
        assert!(
            m.citation.starts_with("SI 2023/1007 Sch. 2"),
            "{}",
            m.citation
        );
        // The CLS route is reported by secondary sources only.
        assert_eq!(
            m.uncertain,
            m.target.starts_with("sg-cls") || m.source.ends_with("p3")
        );
    }
}

#[test]
fn indicative_schemes_only_receive_indicative_or_official_mappings() {
    for s in cat().schemes().iter().filter(|s| s.indicative) {
        for r in cat().requirements_of(&s.id) {
            for rel in cat().related(&r.reference()) {
                assert_ne!(
                    rel.mapping.provenance,
                    Provenance::Legal,
                    "{}",
                    r.reference()
                );
            }
        }
    }
    let indicative: Vec<&str> = cat()
        .schemes()
        .iter()
        .filter(|s| s.indicative)
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(
        indicative,
        [
            "au-cop",
            "fi-label",
            "in-cop",
            "cra",
            "en18031",
            "nistir8425"
        ]
    );
}

#[test]
fn mappings_work_in_both_directions() {
    let from: Vec<&str> = cat()
        .mappings_from("psti:sch1-p1")
        .iter()
        .map(|m| m.target.as_str())
        .collect();
    assert!(from.contains(&"en303645:5.1-1"));
    let to: Vec<&str> = cat()
        .mappings_to("en303645:5.1-1")
        .iter()
        .map(|m| m.source.as_str())
        .collect();
    assert!(to.contains(&"psti:sch1-p1"));
    assert!(to.contains(&"uk-cop:1"));
}

#[test]
fn map_follows_direct_mappings_both_ways() {
    let t = cat().map("en303645:5.1-1", "psti").unwrap();
    let first = &t[0];
    assert_eq!(first.requirement, "psti:sch1-p1");
    assert_eq!(first.provenance, Provenance::Legal);
    assert_eq!(first.via, None);

    let t = cat().map("psti:sch1-p1", "en303645").unwrap();
    let refs: Vec<(&str, Provenance)> = t
        .iter()
        .map(|t| (t.requirement.as_str(), t.provenance))
        .collect();
    assert_eq!(
        refs,
        [
            ("en303645:5.1-1", Provenance::Legal),
            ("en303645:5.1-2", Provenance::Legal)
        ]
    );

    let cop = cat().map("en303645:5.3-13", "uk-cop").unwrap();
    assert_eq!(cop.len(), 1);
    assert_eq!(cop[0].requirement, "uk-cop:3");
    assert_eq!(cop[0].provenance, Provenance::Official);

    let levels: Vec<String> = cat()
        .map("en303645:5.1-1", "sg-cls")
        .unwrap()
        .into_iter()
        .map(|t| t.requirement)
        .collect();
    assert_eq!(levels, ["sg-cls:L1", "sg-cls:L2", "sg-cls:L3", "sg-cls:L4"]);
}

#[test]
fn map_goes_through_en_303_645_when_there_is_no_direct_mapping() {
    let t = cat().map("cra:I.2.m", "uk-cop").unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].requirement, "uk-cop:11");
    assert_eq!(t[0].provenance, Provenance::Indicative);
    assert_eq!(t[0].via.as_deref(), Some("en303645:5.11-1"));
    assert_eq!(t[0].citations.len(), 2);
}

#[test]
fn sg_cls_levels_need_the_right_provisions() {
    let l1: Vec<String> = cat()
        .required_by("sg-cls:L1")
        .iter()
        .map(|r| r.reference())
        .collect();
    assert_eq!(
        l1,
        [
            "en303645:5.1-1",
            "en303645:5.1-2",
            "en303645:5.2-1",
            "en303645:5.3-13"
        ]
    );
    let l2 = cat().required_by("sg-cls:L2");
    let mandatory: Vec<String> = cat()
        .requirements_of("en303645")
        .filter(|r| r.status.as_ref().is_some_and(Status::is_mandatory))
        .map(|r| r.reference())
        .collect();
    let l2: Vec<String> = l2.iter().map(|r| r.reference()).collect();
    assert_eq!(l2, mandatory);
    assert_eq!(cat().required_by("sg-cls:L4").len(), mandatory.len());
}

#[test]
fn test_cases_per_provision() {
    let t: Vec<(&str, TestKind)> = cat()
        .test_cases("en303645:5.1-1")
        .map(|t| (t.id.as_str(), t.kind))
        .collect();
    assert_eq!(
        t,
        [
            ("5.1-1-1", TestKind::Conceptual),
            ("5.1-1-2", TestKind::Functional)
        ]
    );
    let t: Vec<TestKind> = cat()
        .test_cases("en303645:5.3-10")
        .map(|t| t.kind)
        .collect();
    assert_eq!(t, [TestKind::ConceptualFunctional]);
    let t: Vec<TestKind> = cat().test_cases("en303645:5.8-3").map(|t| t.kind).collect();
    assert_eq!(t, [TestKind::Functional]);
    assert_eq!(cat().test_cases("en303645-v3:5.1-1").count(), 0);
    for r in cat().requirements_of("en303645") {
        assert!(
            cat().test_cases(&r.reference()).count() >= 1,
            "{}",
            r.reference()
        );
    }
}

#[test]
fn unknown_references_suggest_close_matches() {
    match cat().lookup("en303645-v2:5.1-1") {
        Err(CatalogueError::UnknownScheme {
            scheme,
            suggestions,
        }) => {
            assert_eq!(scheme, "en303645-v2");
            assert_eq!(suggestions, ["en303645:5.1-1", "en303645-v3:5.1-1"]);
        }
        other => panic!("{other:?}"),
    }
    match cat().lookup("en303645:5.1-9") {
        Err(CatalogueError::UnknownRequirement { suggestions, .. }) => {
            assert!(
                suggestions.contains(&"en303645:5.1-1".to_owned()),
                "{suggestions:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    let e = cat().lookup("psti:sch1-p9").unwrap_err();
    assert!(e.to_string().contains("did you mean psti:sch1-p1"), "{e}");
    let e = cat().resolve_scheme("uk-cp").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown scheme `uk-cp`; did you mean uk-cop?"
    );
    assert!(matches!(
        cat().lookup("5.1-1"),
        Err(CatalogueError::MalformedReference { .. })
    ));
}

const SCHEMES_MINI: &str = r#"
version = "test"
[[scheme]]
id = "x"
name = "X"
version = "1"
citation = "X 1"
"#;

fn mini(data: &'static str, mappings: &'static str) -> Result<Catalogue, CatalogueError> {
    Catalogue::from_sources(
        &Source {
            name: "schemes.toml",
            text: SCHEMES_MINI,
        },
        &[
            Source {
                name: "x.toml",
                text: data,
            },
            Source {
                name: "mappings.toml",
                text: mappings,
            },
        ],
    )
}

#[test]
fn loader_rejects_broken_data() {
    let ok = "scheme = \"x\"\n[[condition]]\nid = 1\ntext = \"c\"\n[[requirement]]\nid = \"a\"\nkind = \"provision\"\nstatus = \"M C(1)\"\ntitle = \"t\"\ncitation = \"c\"\n[[requirement]]\nid = \"b\"\nkind = \"provision\"\ntitle = \"t\"\ncitation = \"c\"\n";
    let good_map = "[[mapping]]\nsource = \"x:a\"\ntargets = [\"x:b\"]\nprovenance = \"indicative\"\ncitation = \"ours\"\n";
    assert!(mini(ok, good_map).is_ok());

    let dup = "scheme = \"x\"\n[[requirement]]\nid = \"a\"\nkind = \"provision\"\ntitle = \"t\"\ncitation = \"c\"\n[[requirement]]\nid = \"a\"\nkind = \"provision\"\ntitle = \"t\"\ncitation = \"c\"\n";
    let e = mini(dup, "mapping = []").unwrap_err();
    assert!(e.to_string().contains("requirement a listed twice"), "{e}");

    let bad_cond = "scheme = \"x\"\n[[requirement]]\nid = \"a\"\nkind = \"provision\"\nstatus = \"M C(4)\"\ntitle = \"t\"\ncitation = \"c\"\n";
    let e = mini(bad_cond, "mapping = []").unwrap_err();
    assert!(e.to_string().contains("undefined condition 4"), "{e}");

    let dangling = "[[mapping]]\nsource = \"x:a\"\ntargets = [\"x:zz\"]\nprovenance = \"legal\"\ncitation = \"c\"\n";
    let e = mini(ok, dangling).unwrap_err();
    assert!(
        e.to_string()
            .contains("mapping target x:zz (from x:a) is unknown"),
        "{e}"
    );

    let bad_prov = "[[mapping]]\nsource = \"x:a\"\ntargets = [\"x:b\"]\nprovenance = \"guess\"\ncitation = \"c\"\n";
    assert!(mini(ok, bad_prov).is_err());

    let typo = "scheme = \"x\"\n[[requirement]]\nid = \"a\"\nkind = \"provision\"\ntitel = \"t\"\ncitation = \"c\"\n";
    let e = mini(typo, "mapping = []").unwrap_err();
    assert!(e.to_string().contains("titel"), "{e}");
}

#[test]
fn sub_items_without_mappings_use_their_parent() {
    let t = cat().map("psti:sch1-p3-4", "en303645").unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].requirement, "en303645:5.3-13");
    assert_eq!(t[0].provenance, Provenance::Legal);
    assert_eq!(t[0].via.as_deref(), Some("psti:sch1-p3"));
    assert!(t[0].uncertain, "Sch. 2 para. 3 drafting is uncertain");
    let t = cat().map("en18031:AUM-5-1", "en303645").unwrap();
    assert_eq!(t.len(), 5);
    assert!(t.iter().all(|t| t.via.as_deref() == Some("en18031:AUM")));
    assert!(t
        .iter()
        .all(|t| t.provenance == Provenance::Indicative && t.uncertain));
}
