//! The public register of enforcement action: notices given and penalty notices, with their
//! dates, the operators they were given to, the product and the requirements breached.
//!
//! Published: every notice with status `issued` and every penalty notice, of cases not marked
//! restricted. Whether and what the Act requires to be published (s. 46) is not established
//! (regulation.md marks it uncertain), so this is the authority's choice, not a statutory list.

use crate::register::Register;
use crate::{Error, Result};
use serde::Serialize;

/// One published enforcement action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicAction {
    /// compliance, stop, recall or penalty.
    pub kind: String,
    /// The notice's id (`N-…`, `P-…`).
    pub notice: String,
    pub given_at: String,
    /// `legal name (role)`.
    pub operators: Vec<String>,
    pub product: Option<String>,
    pub breaches: Vec<String>,
    /// For a penalty: the amount.
    pub amount: Option<String>,
}

/// (id, case, kind, issued_at, breaches JSON, product) of a notice given.
type NoticeLine = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);
/// (id, case, issued_at, breach, amount in pence, product) of a penalty notice.
type PenaltyLine = (String, String, String, String, i64, Option<String>);

impl Register {
    /// Every published action, newest first.
    pub async fn public_actions(&self) -> Result<Vec<PublicAction>> {
        let p = &self.db.pool;
        let e = |e: sqlx::Error| self.db.err(e);
        let notices: Vec<NoticeLine> = sqlx::query_as(
            "SELECT n.id, n.case_id, n.kind, n.issued_at, n.breaches, pr.brand || ' ' || pr.model FROM notices n JOIN cases c ON c.id = n.case_id LEFT JOIN products pr ON pr.id = c.product_id WHERE n.status = 'issued' AND c.restricted = 0",
        )
        .fetch_all(p)
        .await
        .map_err(e)?;
        let penalties: Vec<PenaltyLine> = sqlx::query_as(
            "SELECT pe.id, pe.case_id, pe.issued_at, pe.breach, pe.amount_pence, pr.brand || ' ' || pr.model FROM penalties pe JOIN cases c ON c.id = pe.case_id LEFT JOIN products pr ON pr.id = c.product_id WHERE c.restricted = 0",
        )
        .fetch_all(p)
        .await
        .map_err(e)?;
        let mut out = Vec::with_capacity(notices.len() + penalties.len());
        for (id, case, kind, at, breaches, product) in notices {
            out.push(PublicAction {
                kind,
                notice: id,
                given_at: at.unwrap_or_default(),
                operators: self.operators_of(&case).await?,
                product,
                breaches: serde_json::from_str(&breaches).unwrap_or_default(),
                amount: None,
            });
        }
        for (id, case, at, breach, pence, product) in penalties {
            out.push(PublicAction {
                kind: "penalty".into(),
                notice: id,
                given_at: at,
                operators: self.operators_of(&case).await?,
                product,
                breaches: vec![breach],
                amount: Some(crate::rules::format_gbp(pence)),
            });
        }
        out.sort_by(|a, b| b.given_at.cmp(&a.given_at).then(b.notice.cmp(&a.notice)));
        Ok(out)
    }

    async fn operators_of(&self, case: &str) -> Result<Vec<String>> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT o.legal_name, c.role FROM case_operators c JOIN operators o ON o.id = c.operator_id WHERE c.case_id = $1 ORDER BY o.legal_name")
            .bind(case)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e: sqlx::Error| -> Error { self.db.err(e) })?;
        Ok(rows
            .into_iter()
            .map(|(n, r)| format!("{n} ({r})"))
            .collect())
    }
}

/// The public register as CSV (RFC 4180; one row per action, lists joined with `; `).
/// One CSV field (RFC 4180 quoting). A leading `=`, `+`, `-` or `@` would be a formula in a
/// spreadsheet: it is prefixed with `'` and quoted.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with('\'') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn to_csv(actions: &[PublicAction]) -> String {
    let field = csv_field;
    let mut out = String::from("given_at,kind,notice,operators,product,breaches,amount\r\n");
    for a in actions {
        let row = [
            field(&a.given_at),
            field(&a.kind),
            field(&a.notice),
            field(&a.operators.join("; ")),
            field(a.product.as_deref().unwrap_or("")),
            field(&a.breaches.join("; ")),
            field(a.amount.as_deref().unwrap_or("")),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let a = PublicAction {
            kind: "compliance".into(),
            notice: "N-000001".into(),
            given_at: "2027-01-15T00:00:00Z".into(),
            operators: vec!["Acme, Ltd (manufacturer)".into()],
            product: Some("=HYPERLINK(\"x\")".into()),
            breaches: vec!["psti:sch1-p1".into()],
            amount: None,
        };
        assert_eq!(
            to_csv(&[a]),
            "given_at,kind,notice,operators,product,breaches,amount\r\n2027-01-15T00:00:00Z,compliance,N-000001,\"Acme, Ltd (manufacturer)\",\"'=HYPERLINK(\"\"x\"\")\",psti:sch1-p1,\r\n"
        );
    }
}
