//! Threshold conditions as written in check files: `">= 85"`, `"< 1"`, `"== yes"`,
//! `"in yes,without-password"`; in `where` filters the field comes first: `"name != root"`.

use crate::i18n::{Msg, Said};
use crate::probe::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
    In,
    NotIn,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub op: Op,
    /// The right-hand side as written (one item unless `in` / `not-in`).
    pub values: Vec<String>,
}

/// `s` quoted and escaped (Rust's Debug form) for a message, cut first to what a message shows
/// ([`crate::i18n::MAX_ARG_CHARS`]): escaping a whole megabyte-long line only to cut it after
/// was most of the time spent on a malformed check file.
fn quoted(s: &str) -> String {
    let cut = crate::i18n::cut_text(s.to_string(), crate::i18n::MAX_ARG_CHARS);
    format!("{cut:?}")
}

impl Condition {
    /// Parses `OP VALUE`.
    pub fn parse(s: &str) -> Result<Condition, Said> {
        let s = s.trim();
        let ops: [(&str, Op); 8] = [
            ("not-in ", Op::NotIn),
            ("in ", Op::In),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">", Op::Gt),
            ("<", Op::Lt),
        ];
        for (token, op) in ops {
            if let Some(rest) = s.strip_prefix(token) {
                let rest = rest.trim();
                if rest.is_empty() {
                    return Err(Said::new(Msg::ConditionNoValue).arg("condition", quoted(s)));
                }
                let values: Vec<String> = if matches!(op, Op::In | Op::NotIn) {
                    rest.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
                } else {
                    vec![rest.to_string()]
                };
                if matches!(op, Op::Ge | Op::Gt | Op::Le | Op::Lt) && values[0].parse::<f64>().is_err() {
                    return Err(Said::new(Msg::ConditionNotNumber)
                        .arg("condition", quoted(s))
                        .arg("value", quoted(&values[0])));
                }
                return Ok(Condition { op, values });
            }
        }
        Err(Said::new(Msg::ConditionBadOperator).arg("condition", quoted(s)))
    }

    /// Parses `FIELD OP VALUE` (a `where` filter).
    pub fn parse_filter(s: &str) -> Result<(String, Condition), Said> {
        let s = s.trim();
        let (field, rest) =
            s.split_once(char::is_whitespace).ok_or_else(|| Said::new(Msg::FilterShape).arg("filter", quoted(s)))?;
        Ok((field.to_string(), Condition::parse(rest)?))
    }

    pub fn matches(&self, v: &Value) -> bool {
        let num = |s: &str| s.parse::<f64>().ok();
        match self.op {
            Op::Ge | Op::Gt | Op::Le | Op::Lt => {
                let (Some(a), Some(b)) = (v.as_num(), num(&self.values[0])) else { return false };
                match self.op {
                    Op::Ge => a >= b,
                    Op::Gt => a > b,
                    Op::Le => a <= b,
                    _ => a < b,
                }
            }
            Op::Eq | Op::Ne | Op::In | Op::NotIn => {
                let hit = self.values.iter().any(|want| match (v.as_num(), num(want)) {
                    (Some(a), Some(b)) => a == b,
                    _ => v.as_text().eq_ignore_ascii_case(want),
                });
                matches!(self.op, Op::Eq | Op::In) == hit
            }
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::In => "in",
            Op::NotIn => "not-in",
        };
        write!(f, "{op} {}", self.values.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_and_text_conditions() {
        let c = Condition::parse(">= 85").unwrap();
        assert!(c.matches(&Value::Num(85.0)));
        assert!(!c.matches(&Value::Num(84.9)));
        assert!(!c.matches(&Value::Text("abc".into())));
        let c = Condition::parse("in yes, Without-Password").unwrap();
        assert!(c.matches(&Value::Text("without-password".into())));
        assert!(Condition::parse("not-in a,b").unwrap().matches(&Value::Text("c".into())));
        assert!(Condition::parse("== 1").unwrap().matches(&Value::Num(1.0)));
        assert!(Condition::parse("!= root").unwrap().matches(&Value::Text("toor".into())));
    }

    #[test]
    fn bad_conditions_are_errors() {
        for s in ["", "85", ">= ", ">= abc", "=~ x", "in "] {
            assert!(Condition::parse(s).is_err(), "{s:?}");
        }
        assert_eq!(Condition::parse_filter("name != root").unwrap().0, "name");
        assert!(Condition::parse_filter("name").is_err());
    }
}
