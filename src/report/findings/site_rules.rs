//! Site rules (`--rules FILE`): an admin maps the reply texts of their own
//! access maps and header checks to a restriction name, a severity and a
//! hint. A TOML file of `[[rule]]` tables:
//!
//! ```toml
//! [[rule]]
//! match = "Sender domain blocked by policy"      # a regular expression, on the reply
//! restriction = "check_sender_access hash:/etc/postfix/sender_blocklist"
//! severity = "info"                              # info, warning or critical
//! hint = "Our sender blocklist; remove the domain there if this mail is wanted."
//! ```
//!
//! Every reject, hold or discard whose reply matches a rule becomes one
//! finding per rule (the first matching rule wins), and the rejects tables
//! show the rule's restriction instead of the inferred one. The file is
//! checked at start: an error names the file, the line and the pattern.

use std::path::Path;

use polars::prelude::PlHashSet;
use regex::Regex;

use super::events::{pick_samples, Events};
use super::{plural, Evidence, Finding, Severity};

/// One rule of the file.
#[derive(Clone, Debug)]
pub struct Rule {
    pub pattern: Regex,
    pub restriction: String,
    pub severity: Severity,
    pub hint: String,
}

/// The rules of a file, in order.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub file: String,
    pub rules: Vec<Rule>,
}

impl Rules {
    /// The first rule whose pattern matches `reply`.
    pub fn matching(&self, reply: &str) -> Option<(usize, &Rule)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.pattern.is_match(reply))
    }

    /// Reads and checks `path`; the error is one line naming the file, the
    /// line and what is wrong.
    pub fn load(path: &Path) -> Result<Rules, String> {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read it: {e}"))?;
        Rules::parse(&name, &text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Rules, String> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map_or(1, |s| line_of(s.start));
            format!("{name}, line {line}: {}", e.message())
        })?;
        let mut rules = Vec::new();
        let entries = match table.get("rule") {
            Some(toml::Value::Array(entries)) => entries.clone(),
            Some(_) => return Err(format!("{name}: `rule` must be a list of [[rule]] tables")),
            None => Vec::new(),
        };
        for (i, entry) in entries.iter().enumerate() {
            // The line of the i-th `[[rule]]` header, for messages.
            let line = text
                .match_indices("[[rule]]")
                .nth(i)
                .map_or(1, |(at, _)| line_of(at));
            let field = |key: &str| -> Result<String, String> {
                match entry.get(key) {
                    Some(toml::Value::String(s)) => Ok(s.clone()),
                    Some(_) => Err(format!(
                        "{name}, rule at line {line}: `{key}` must be a string"
                    )),
                    None => Err(format!("{name}, rule at line {line}: `{key}` is missing")),
                }
            };
            let pattern = field("match")?;
            let regex = Regex::new(&pattern).map_err(|e| {
                let first = e.to_string();
                let first = first.lines().last().unwrap_or("invalid").trim();
                format!("{name}, rule at line {line}: pattern `{pattern}`: {first}")
            })?;
            let severity_name = field("severity").unwrap_or_else(|_| "warning".to_string());
            let severity = Severity::from_name(&severity_name).ok_or_else(|| {
                format!(
                    "{name}, rule at line {line}: severity `{severity_name}`: one of info, warning, critical"
                )
            })?;
            rules.push(Rule {
                pattern: regex,
                restriction: field("restriction")?,
                severity,
                hint: field("hint").unwrap_or_default(),
            });
        }
        Ok(Rules {
            file: name.to_string(),
            rules,
        })
    }
}

/// One finding per rule that matched a reject, hold or discard.
pub fn detect(events: &Events<'_>, rules: &Rules) -> Vec<Finding> {
    let t = &events.actions;
    let (reason, to, client, ts) = (
        t.text(crate::frame::col::REASON),
        t.text(crate::frame::col::TO),
        t.text(crate::frame::col::CLIENT_IP),
        t.ts(),
    );
    let mut hits: Vec<Vec<usize>> = vec![Vec::new(); rules.rules.len()];
    for i in 0..t.len() {
        if let Some((rule, _)) = rules.matching(reason.get(i).unwrap_or("")) {
            hits[rule].push(i);
        }
    }
    hits.iter()
        .enumerate()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(r, rows)| {
            let rule = &rules.rules[r];
            let recipients: PlHashSet<&str> = rows.iter().filter_map(|&i| to.get(i)).collect();
            let clients: PlHashSet<&str> = rows.iter().filter_map(|&i| client.get(i)).collect();
            let first = rows.iter().map(|&i| ts.get(i)).min();
            let last = rows.iter().map(|&i| ts.get(i)).max();
            let count = rows.len() as u64;
            Finding {
                id: "site-rule",
                subject: rule.restriction.clone(),
                severity: rule.severity,
                summary: format!(
                    "{} by {} (a rule of {}: `{}`), {}, for {} from {}",
                    plural(count, "refusal"),
                    rule.restriction,
                    rules.file,
                    rule.pattern.as_str(),
                    events.when(first, last),
                    plural(recipients.len() as u64, "recipient"),
                    plural(clients.len() as u64, "client"),
                ),
                evidence: Evidence {
                    count,
                    recipients: recipients.len() as u64,
                    clients: clients.len() as u64,
                    first_seen: first,
                    last_seen: last,
                    rows: pick_samples(&rows.iter().map(|&i| t.rows[i]).collect::<Vec<_>>()),
                    ..Evidence::default()
                },
                cause: format!("Your own rule: {}", rule.restriction),
                fix: rule.hint.clone(),
                check: Vec::new(),
                parameters: Vec::new(),
                addresses: Vec::new(),
                confirmation: None,
                new: None,
                impact: count,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_checked_with_file_and_line() {
        let ok = Rules::parse(
            "rules.toml",
            "[[rule]]\nmatch = \"blocked by policy\"\nrestriction = \"check_sender_access\"\nseverity = \"info\"\nhint = \"ours\"\n",
        )
        .unwrap();
        assert_eq!(ok.rules.len(), 1);
        assert!(ok.matching("Sender domain blocked by policy").is_some());

        let bad_regex = Rules::parse(
            "rules.toml",
            "# comment\n\n[[rule]]\nmatch = \"(unclosed\"\nrestriction = \"x\"\n",
        )
        .unwrap_err();
        assert!(
            bad_regex.starts_with("rules.toml, rule at line 3: pattern `(unclosed`"),
            "{bad_regex}"
        );
        let bad_toml = Rules::parse("rules.toml", "[[rule]]\nmatch = \n").unwrap_err();
        assert!(bad_toml.starts_with("rules.toml, line 2:"), "{bad_toml}");
        let bad_severity = Rules::parse(
            "rules.toml",
            "[[rule]]\nmatch = \"x\"\nrestriction = \"y\"\nseverity = \"fatal\"\n",
        )
        .unwrap_err();
        assert!(bad_severity.contains("one of info, warning, critical"));
        let missing = Rules::parse("rules.toml", "[[rule]]\nmatch = \"x\"\n").unwrap_err();
        assert!(missing.contains("`restriction` is missing"), "{missing}");
    }
}
