//! The PSTI scope decision: is a described product a relevant connectable product made available
//! to UK consumers (Act ss. 4, 5 and 54), and is it excepted (s. 6 and Regulations Sch. 3)?
//!
//! Rules are applied in a fixed order and each one applied adds a reason carrying the
//! catalogue's citation and `uncertain` flag; the **last reason is the one that decided the
//! outcome** ([`deciding_reason`]). Where the product is sold in both Great Britain and
//! Northern Ireland, an exception must hold for every UK region for the product to be excepted;
//! otherwise it is in scope and a reason says which supply is excepted.
//!
//! Never guesses missing facts: `product_file` refuses incomplete descriptions first.

use baseline_catalogue::Catalogue;
use baseline_model::{Category, Product, Region, ScopeDecision, ScopeOutcome, ScopeReason};

/// The reason that decided the outcome (the last one applied).
pub fn deciding_reason(decision: &ScopeDecision) -> Option<&ScopeReason> {
    decision.reasons.last()
}

/// Decide whether the product is in scope, excepted or out of scope, with the reasons.
pub fn decide(product: &Product) -> ScopeDecision {
    Decider {
        cat: Catalogue::embedded(),
        reasons: Vec::new(),
    }
    .run(product)
}

struct Decider {
    cat: &'static Catalogue,
    reasons: Vec<ScopeReason>,
}

/// An exception that applies to one UK region.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Excepted {
    rule: &'static str,
    text: String,
    uncertain: bool,
}

impl Decider {
    /// Add a reason citing catalogue entry `psti:<id>`.
    fn cite(&mut self, id: &str, text: String, uncertain: bool) {
        let (citation, entry_uncertain) = match self.cat.get(&format!("psti:{id}")) {
            Some(r) => (r.citation.clone(), r.uncertain),
            // The catalogue tests pin every id used here; keep a readable fallback anyway.
            None => (format!("psti:{id}"), true),
        };
        self.reasons.push(ScopeReason {
            citation,
            text,
            uncertain: uncertain || entry_uncertain,
        });
    }

    fn done(self, outcome: ScopeOutcome) -> ScopeDecision {
        ScopeDecision {
            outcome,
            reasons: self.reasons,
        }
    }

    fn run(mut self, p: &Product) -> ScopeDecision {
        let mut uk: Vec<Region> = p
            .market
            .regions
            .iter()
            .copied()
            .filter(|r| r.is_uk())
            .collect();
        uk.sort();
        uk.dedup();
        let others: Vec<&str> = p
            .market
            .regions
            .iter()
            .filter(|r| !r.is_uk())
            .map(|r| r.as_str())
            .collect();
        if uk.is_empty() {
            self.cite(
                "act-s54",
                format!(
                    "Not made available in the United Kingdom (regions: {}): the regime covers \
                     UK consumer connectable products only",
                    others.join(", ")
                ),
                false,
            );
            return self.done(ScopeOutcome::OutOfScope);
        }
        let where_ = uk
            .iter()
            .map(|r| r.describe())
            .collect::<Vec<_>>()
            .join(" and ");
        if !p.market.consumer {
            self.cite(
                "act-s54",
                format!(
                    "Made available in {where_} but not to consumers, nor identical to products \
                     that are: not a UK consumer connectable product"
                ),
                false,
            );
            return self.done(ScopeOutcome::OutOfScope);
        }
        self.cite(
            "act-s54",
            format!("Made available to consumers in {where_}: a UK consumer connectable product"),
            false,
        );

        if !self.connectable(p) {
            return self.done(ScopeOutcome::OutOfScope);
        }

        let per_region: Vec<(Region, Option<Excepted>)> =
            uk.iter().map(|&r| (r, self.exception_for(p, r))).collect();
        let excepted: Vec<&(Region, Option<Excepted>)> =
            per_region.iter().filter(|(_, e)| e.is_some()).collect();
        if excepted.len() == per_region.len() {
            let rules: Vec<(Region, &Excepted)> = excepted
                .iter()
                .filter_map(|(r, e)| e.as_ref().map(|e| (*r, e)))
                .collect();
            let first = rules.first().map(|(_, e)| *e);
            if rules.iter().all(|(_, e)| Some(*e) == first) {
                if let Some(e) = first {
                    self.cite(e.rule, e.text.clone(), e.uncertain);
                }
            } else {
                for (region, e) in rules {
                    let text = format!("Supply in {}: {}", region.describe(), e.text);
                    self.cite(e.rule, text, e.uncertain);
                }
            }
            return self.done(ScopeOutcome::Excepted);
        }
        for (region, e) in &excepted {
            if let Some(e) = e {
                self.cite(
                    e.rule,
                    format!(
                        "Supply in {} is excepted ({}), but not supply elsewhere in the UK",
                        region.describe(),
                        e.text
                    ),
                    e.uncertain,
                );
            }
        }
        self.not_excepted_notes(p);
        self.cite(
            "act-s4",
            "Connectable, made available to UK consumers and not excepted: a relevant \
             connectable product, so the Schedule 1 security requirements apply"
                .to_owned(),
            false,
        );
        self.done(ScopeOutcome::InScope)
    }

    /// Act s. 5: internet-connectable, or network-connectable by one of the two conditions.
    /// Adds the reason either way; false when the product is neither.
    fn connectable(&mut self, p: &Product) -> bool {
        let c = &p.connectivity;
        if c.internet {
            self.cite(
                "act-s5-internet",
                "Connects to the internet itself over the Internet Protocol suite: \
                 internet-connectable"
                    .to_owned(),
                false,
            );
            return true;
        }
        if c.ip_to_internet_product {
            self.cite(
                "act-s5-4",
                "Not internet-connectable, but connects directly over IP to an \
                 internet-connectable product: network-connectable (first connectability \
                 condition)"
                    .to_owned(),
                false,
            );
            return true;
        }
        let protocols = c.non_ip.join(", ");
        if !c.non_ip.is_empty() && c.non_ip_to_internet_product && c.non_ip_multiple {
            self.cite(
                "act-s5-5",
                format!(
                    "Not internet-connectable, but connects over {protocols} directly to an \
                     internet-connectable product and to two or more products at once: \
                     network-connectable (second connectability condition)"
                ),
                false,
            );
            return true;
        }
        let text = if c.non_ip.is_empty() {
            "Neither connects to the internet nor directly to an internet-connectable product: \
             neither internet- nor network-connectable, so not a relevant connectable product"
                .to_owned()
        } else if !c.non_ip_to_internet_product {
            format!(
                "Uses {protocols} but does not connect directly to an internet-connectable \
                 product: the second connectability condition fails, so not network-connectable"
            )
        } else {
            format!(
                "Connects over {protocols} to an internet-connectable product but cannot \
                 connect to two or more products at the same time: the second connectability \
                 condition fails, so not network-connectable"
            )
        };
        let rule = if c.non_ip.is_empty() {
            "act-s5-network"
        } else {
            "act-s5-5"
        };
        self.cite(rule, text, false);
        false
    }

    /// The Schedule 3 exception that applies to supply in `region`, if any.
    fn exception_for(&self, p: &Product, region: Region) -> Option<Excepted> {
        let ex = &p.exception;
        let hit = |rule: &'static str, text: &str, uncertain: bool| {
            Some(Excepted {
                rule,
                text: text.to_owned(),
                uncertain,
            })
        };
        match p.product.category {
            Category::MedicalDevice => {
                return hit(
                    "sch3-medical-device",
                    "A medical device within the Medical Devices Regulations 2002: excepted",
                    false,
                )
            }
            // The 2021 Regulations were made for Great Britain; whether an NI charge point is
            // "within" them is not settled by anything we have read.
            Category::EvChargePoint if region == Region::Ni => {
                return hit(
                    "sch3-ev-charge-point",
                    "A smart charge point for electric vehicles: excepted, although the Electric \
                     Vehicles (Smart Charge Points) Regulations 2021 apply in Great Britain, so \
                     the exception's reach in Northern Ireland is unconfirmed",
                    true,
                )
            }
            Category::EvChargePoint => {
                return hit(
                    "sch3-ev-charge-point",
                    "A smart charge point for electric vehicles within the Electric Vehicles \
                     (Smart Charge Points) Regulations 2021: excepted",
                    false,
                )
            }
            Category::SmartMeter
                if ex.licensed_supplier_installed && ex.smart_meter_cpa_assured =>
            {
                return hit(
                    "sch3-smart-meter",
                    "A smart meter installed by a licensed supplier and assured under the NCSC \
                     Commercial Product Assurance scheme: excepted",
                    false,
                )
            }
            Category::Desktop | Category::Laptop if !ex.for_children_under_14 => {
                let kind = if p.product.category == Category::Desktop {
                    "desktop"
                } else {
                    "laptop"
                };
                return if p.connectivity.cellular {
                    hit(
                        "sch3-computer",
                        &format!(
                            "A {kind} computer not designed exclusively for children under 14: \
                             excepted; it can use cellular networks, and the quoted drafting \
                             attaches that condition to tablets only (OPSS's summary reads \
                             \"without cellular\" for all computers)"
                        ),
                        true,
                    )
                } else {
                    hit(
                        "sch3-computer",
                        &format!(
                            "A {kind} computer without cellular connectivity, not designed \
                             exclusively for children under 14: excepted"
                        ),
                        false,
                    )
                };
            }
            Category::Tablet if !ex.for_children_under_14 && !p.connectivity.cellular => {
                return hit(
                    "sch3-computer",
                    "A tablet computer that cannot connect to cellular networks, not designed \
                     exclusively for children under 14: excepted",
                    false,
                )
            }
            Category::Vehicle if region == Region::Gb => {
                return hit(
                    "sch3-vehicle",
                    "A vehicle (or its system or component) within the retained EU vehicle \
                     type-approval Regulations: excepted in Great Britain by the 2025 amendment",
                    true,
                )
            }
            Category::Vehicle if region == Region::Ni => {
                return hit(
                    "sch3-ni",
                    "A vehicle (or its system or component) under the EU type-approval \
                     Regulations that apply in Northern Ireland: excepted",
                    true,
                )
            }
            _ => {}
        }
        if region == Region::Ni && ex.ni_eu_free_movement {
            return hit(
                "sch3-ni",
                "Made available in Northern Ireland and within EU legislation listed in Annex 2 \
                 of the Windsor Framework with a free-movement provision: excepted",
                false,
            );
        }
        None
    }

    /// Say why a near-miss exception does not apply, so readers see it was considered.
    fn not_excepted_notes(&mut self, p: &Product) {
        let ex = &p.exception;
        match p.product.category {
            Category::SmartMeter => {
                let missing: Vec<&str> = [
                    (!ex.licensed_supplier_installed).then_some("installed by a licensed supplier"),
                    (!ex.smart_meter_cpa_assured).then_some("CPA-assured"),
                ]
                .into_iter()
                .flatten()
                .collect();
                self.cite(
                    "sch3-smart-meter",
                    format!(
                        "A smart meter, but not {}: the smart meter exception does not apply",
                        missing.join(" and ")
                    ),
                    false,
                );
            }
            Category::Desktop | Category::Laptop | Category::Tablet if ex.for_children_under_14 => {
                self.cite(
                    "sch3-computer",
                    "A computer designed or intended exclusively for children under 14: the \
                     computer exception does not apply"
                        .to_owned(),
                    false,
                );
            }
            Category::Tablet => {
                self.cite(
                    "sch3-computer",
                    "A tablet that can connect to cellular networks: the computer exception does \
                     not apply"
                        .to_owned(),
                    false,
                );
            }
            Category::Smartphone => {
                self.cite(
                    "sch3-computer",
                    "A smartphone: the computer exception covers desktop, laptop and \
                     non-cellular tablet computers only"
                        .to_owned(),
                    false,
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
