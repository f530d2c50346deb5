//! The statutory rules the register enforces, each with its citation, from
//! `../shared/regime/regulation.md` §1.8 (PSTI Act 2022 Part 1 Chapter 3).
//!
//! A rule is data ([`RULES`]): its id, citation, text and whether regulation.md marks it
//! uncertain. Checks refuse with a [`Refusal`] that names the rule; an uncertain rule is never
//! enforced as if it were known — it is shown as a caution wherever it applies, and the
//! officer decides.

use serde::Serialize;

/// One statutory rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub citation: &'static str,
    pub text: &'static str,
    /// regulation.md marks the provision (or its section number) uncertain: not enforced.
    pub uncertain: bool,
}

/// Minimum days between the notice of intent and a compliance notice (s. 28(6)).
pub const REPRESENTATIONS_DAYS: i64 = 10;
/// Minimum payment period of a penalty notice, days (s. 36(7)).
pub const PAYMENT_DAYS: i64 = 28;
/// Fixed part of the relevant maximum, pence (s. 38(1)(a), s. 38(5)).
pub const MAX_FIXED_PENCE: i64 = 10_000_000 * 100;
/// The revenue share of the relevant maximum, per cent (s. 38(1)(b)).
pub const MAX_REVENUE_PERCENT: i64 = 4;
/// Daily penalty cap, pence (s. 36(5)).
pub const DAILY_MAX_PENCE: i64 = 20_000 * 100;

pub const NOTICE_OF_INTENT: Rule = Rule {
    id: "compliance-notice-intent",
    citation: "s. 28(5)",
    text: "Before giving a compliance notice the Secretary of State must notify the person of the intention and give them an opportunity to make representations.",
    uncertain: false,
};
pub const REPRESENTATIONS_PERIOD: Rule = Rule {
    id: "compliance-notice-ten-days",
    citation: "s. 28(6)",
    text: "A compliance notice may not be given until 10 days from the notification of intent.",
    uncertain: false,
};
pub const ONE_PER_ACT: Rule = Rule {
    id: "compliance-notice-one-per-act",
    citation: "s. 28(7)",
    text: "At most one compliance notice may be given in respect of the same act or omission.",
    uncertain: false,
};
pub const NOTICE_CONTENT: Rule = Rule {
    id: "notice-content",
    citation: "s. 28(3), s. 29(3)",
    text: "A compliance or stop notice must give the reasons for it, explain the consequences of not complying and how to appeal.",
    uncertain: false,
};
pub const NOTICE_PERIOD: Rule = Rule {
    id: "notice-period",
    citation: "s. 28(2), s. 29(2)",
    text: "A compliance notice requires compliance, and a stop notice requires the activity to stop, within a period the notice specifies.",
    uncertain: false,
};
pub const STOP_RECALL_INTENT: Rule = Rule {
    id: "stop-recall-notice-intent",
    citation: "s. 29, s. 30, s. 31",
    text: "Whether a notice of intent and an urgency exception apply to stop and recall notices is not established (regulation.md: s. 29 read in part, s. 30 and s. 31 not read).",
    uncertain: true,
};
pub const PENALTY_ONE_PER_BREACH: Rule = Rule {
    id: "penalty-one-per-breach",
    citation: "s. 36(3)",
    text: "Only one penalty notice may be given in respect of the same breach.",
    uncertain: false,
};
pub const PENALTY_MAXIMUM: Rule = Rule {
    id: "penalty-relevant-maximum",
    citation: "s. 36(4), s. 38(1)",
    text: "A penalty may not exceed the relevant maximum: the greater of £10 million and 4% of the person's qualifying worldwide revenue for its most recent complete accounting period.",
    uncertain: false,
};
pub const PENALTY_DAILY: Rule = Rule {
    id: "penalty-daily-maximum",
    citation: "s. 36(5)",
    text: "A daily penalty of up to £20,000 may be imposed for each day the breach continues after the payment period.",
    uncertain: false,
};
pub const PENALTY_PAYMENT_PERIOD: Rule = Rule {
    id: "penalty-payment-period",
    citation: "s. 36(7)",
    text: "The period for paying a penalty may not be less than 28 days from the day the notice is given.",
    uncertain: false,
};
pub const PENALTY_PROCEDURE: Rule = Rule {
    id: "penalty-procedure",
    citation: "s. 37",
    text: "Penalty procedure (notice of intent, representations) is not established (regulation.md: s. 37 not read).",
    uncertain: true,
};
pub const APPEAL: Rule = Rule {
    id: "appeal",
    citation: "s. 33",
    text: "Appeals against notices lie to the First-tier Tribunal; the deadline for appealing and its effect on the notice are not established (regulation.md: s. 33 not read).",
    uncertain: true,
};

/// Every rule, for `baseline register rules` and the documentation.
pub const RULES: &[Rule] = &[
    NOTICE_OF_INTENT,
    REPRESENTATIONS_PERIOD,
    ONE_PER_ACT,
    NOTICE_CONTENT,
    NOTICE_PERIOD,
    STOP_RECALL_INTENT,
    PENALTY_ONE_PER_BREACH,
    PENALTY_MAXIMUM,
    PENALTY_DAILY,
    PENALTY_PAYMENT_PERIOD,
    PENALTY_PROCEDURE,
    APPEAL,
];

/// A command refused by a statutory rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub rule: &'static str,
    pub citation: &'static str,
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.citation, self.message)
    }
}

pub(crate) fn refuse(rule: &Rule, message: impl Into<String>) -> Refusal {
    Refusal {
        rule: rule.id,
        citation: rule.citation,
        message: message.into(),
    }
}

/// The relevant maximum penalty in pence for a worldwide revenue (pence), s. 38(1)/(5): the
/// greater of £10 million and 4 %; £10 million when no revenue figure exists.
pub fn relevant_maximum(worldwide_revenue_pence: Option<i64>) -> i64 {
    let share = worldwide_revenue_pence
        .map(|r| r.max(0).saturating_mul(MAX_REVENUE_PERCENT) / 100)
        .unwrap_or(0);
    MAX_FIXED_PENCE.max(share)
}

/// Parse a sterling amount (`10000000`, `12,500.50`, `£20000`) into pence.
pub fn parse_gbp(s: &str) -> Option<i64> {
    let t: String = s
        .trim()
        .trim_start_matches('£')
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    w.checked_mul(100)?.checked_add(f)
}

/// Pence as `£12,500.50`.
pub fn format_gbp(pence: i64) -> String {
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match pence % 100 {
        0 => format!("£{grouped}"),
        p => format!("£{grouped}.{p:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevant_maximum_is_the_greater_of_ten_million_and_four_per_cent() {
        // £100m revenue: 4 % is £4m, so £10m applies.
        assert_eq!(relevant_maximum(Some(100_000_000_00)), 10_000_000_00);
        // £1bn revenue: 4 % is £40m.
        assert_eq!(relevant_maximum(Some(1_000_000_000_00)), 40_000_000_00);
        // No accounting period: £10m (s. 38(5)).
        assert_eq!(relevant_maximum(None), 10_000_000_00);
    }

    #[test]
    fn sterling_amounts_parse_and_format() {
        assert_eq!(parse_gbp("10000000"), Some(10_000_000_00));
        assert_eq!(parse_gbp("£12,500.5"), Some(12_500_50));
        assert_eq!(parse_gbp("1.234"), None);
        assert_eq!(parse_gbp("-5"), None);
        assert_eq!(parse_gbp("ten"), None);
        assert_eq!(format_gbp(12_500_50), "£12,500.50");
        assert_eq!(format_gbp(10_000_000_00), "£10,000,000");
    }

    #[test]
    fn uncertain_rules_are_marked() {
        let uncertain: Vec<&str> = RULES
            .iter()
            .filter(|r| r.uncertain)
            .map(|r| r.citation)
            .collect();
        assert_eq!(uncertain, ["s. 29, s. 30, s. 31", "s. 37", "s. 33"]);
    }
}
