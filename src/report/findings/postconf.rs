//! `--postconf`: the configuration, from `postconf -n` (and `postconf -P`,
//! the master.cf overrides) run on this host or saved to a file, confirms
//! or refutes each finding's cause, quoting the line that decides.
//!
//! `postconf -n` prints `name = value`, one per line, sorted, with only
//! what main.cf sets (a missing parameter has its default), values not
//! expanded (`$myhostname` stays); long values may continue on lines that
//! start with white space. `postconf -P` prints `service/type/name = value`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use super::events::Events;
use super::{Confirmation, Finding, Verdict};

/// A host's configuration as `postconf -n` and `-P` print it.
#[derive(Clone, Debug, Default)]
pub struct Postconf {
    /// Where it came from: a file's name, or `postconf -n on this host`.
    pub source: String,
    params: BTreeMap<String, String>,
    /// master.cf overrides: (`service/type`, parameter, value).
    overrides: Vec<(String, String, String)>,
}

/// Defaults (Postfix 3.7) of the parameters the findings read, for a
/// configuration that does not set them.
const DEFAULTS: &[(&str, &str)] = &[
    (
        "mydestination",
        "$myhostname, localhost.$mydomain, localhost",
    ),
    (
        "relay_domains",
        "(empty at compatibility_level 2 and later; $mydestination before)",
    ),
    ("virtual_mailbox_domains", "$virtual_mailbox_maps"),
    ("virtual_alias_domains", "$virtual_alias_maps"),
    (
        "smtpd_relay_restrictions",
        "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination",
    ),
    ("smtpd_sasl_auth_enable", "no"),
    ("unknown_local_recipient_reject_code", "550"),
    ("unknown_virtual_mailbox_reject_code", "550"),
    ("unknown_relay_recipient_reject_code", "550"),
    ("unknown_virtual_alias_reject_code", "550"),
    ("soft_bounce", "no"),
    ("maximal_queue_lifetime", "5d"),
    ("bounce_queue_lifetime", "5d"),
    (
        "mynetworks",
        "(from mynetworks_style: this host's own addresses at compatibility_level 2 and later)",
    ),
];

impl Postconf {
    /// Parses `postconf -n` output (and `-P` lines, if any).
    pub fn parse(source: &str, text: &str) -> Result<Postconf, String> {
        let mut config = Postconf {
            source: source.to_string(),
            ..Postconf::default()
        };
        let mut last: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            // postconf's own warnings, pasted along.
            if line.starts_with("postconf:") {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                // A continuation of the previous value.
                if let Some(name) = &last {
                    if let Some(value) = config.params.get_mut(name) {
                        value.push(' ');
                        value.push_str(line.trim());
                    }
                }
                continue;
            }
            let Some((name, value)) = line.split_once('=') else {
                return Err(format!(
                    "{source}, line {}: expected `name = value` (postconf -n output)",
                    n + 1
                ));
            };
            let (name, value) = (name.trim(), value.trim().to_string());
            match name.split('/').collect::<Vec<_>>()[..] {
                [service, kind, param] => {
                    config
                        .overrides
                        .push((format!("{service}/{kind}"), param.to_string(), value));
                    last = None;
                }
                [param] if !param.is_empty() => {
                    config.params.insert(param.to_string(), value);
                    last = Some(param.to_string());
                }
                _ => {
                    return Err(format!(
                        "{source}, line {}: `{name}` is not a parameter name",
                        n + 1
                    ))
                }
            }
        }
        if config.params.is_empty() && config.overrides.is_empty() {
            return Err(format!(
                "{source}: no `name = value` lines (postconf -n output)"
            ));
        }
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Postconf, String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        Postconf::parse(&name, &text)
    }

    /// Whether `text` (the start of a file) reads as saved `postconf -n`
    /// or `postconf -P` output rather than a log: every line that is not
    /// blank, a comment or a continuation is `name = value` with a bare
    /// parameter name (`smtpd_tls_security_level`, `smtp/inet/smtpd_...`),
    /// and there is one at least. A cut last line is not looked at.
    pub fn is_postconf_output(text: &str) -> bool {
        let is_name = |name: &str| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b))
        };
        let mut settings = 0;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || line.starts_with([' ', '\t']) {
                continue;
            }
            match line.split_once('=') {
                Some((name, _)) if is_name(name.trim()) => settings += 1,
                _ => return false,
            }
        }
        settings > 0
    }

    /// Runs `postconf -n` and `postconf -P` on this host.
    pub fn from_host() -> Result<Postconf, String> {
        // Both failures carry the hint: a host where postconf is missing and
        // one where it runs but finds no main.cf are the same mistake.
        const HINT: &str = "(to read saved postconf -n output, give it as --postconf=FILE)";
        let run = |flag: &str| {
            std::process::Command::new("postconf")
                .arg(flag)
                .output()
                .map_err(|e| format!("postconf {flag}: cannot run it: {e} {HINT}"))
                .and_then(|o| {
                    if o.status.success() {
                        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
                    } else {
                        Err(format!(
                            "postconf {flag}: {} {HINT}",
                            String::from_utf8_lossy(&o.stderr).trim()
                        ))
                    }
                })
        };
        let mut text = run("-n")?;
        // -P exists since Postfix 2.11; without it, no overrides.
        text.push_str(&run("-P").unwrap_or_default());
        Postconf::parse("postconf -n on this host", &text)
    }

    /// The `name = value` line as printed, or the default when not set.
    pub fn line(&self, name: &str) -> String {
        match self.params.get(name) {
            Some(value) if value.is_empty() => format!("{name} ="),
            Some(value) => format!("{name} = {value}"),
            None => {
                let default = DEFAULTS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or("its default", |(_, d)| d);
                format!("{name} is not set in main.cf (default: {default})")
            }
        }
    }

    /// The value of `name`, `$name`s expanded, split into its elements.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        let value = self.params.get(name)?;
        let expanded = self.expand(value, 0);
        Some(
            expanded
                .split([',', ' ', '\t'])
                .filter(|e| !e.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    fn expand(&self, value: &str, depth: u32) -> String {
        if depth > 8 || !value.contains('$') {
            return value.to_string();
        }
        let mut out = String::new();
        let mut rest = value;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (name, next) = if let Some(inner) = after.strip_prefix('{') {
                let end = inner.find('}').unwrap_or(inner.len());
                (&inner[..end], inner.get(end + 1..).unwrap_or(""))
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            match self.params.get(name) {
                Some(v) => out.push_str(&self.expand(v, depth + 1)),
                None => {
                    out.push('$');
                    out.push_str(name);
                }
            }
            rest = next;
        }
        out.push_str(rest);
        out
    }

    /// master.cf overrides of `param`: (`service/type`, value).
    pub fn overrides(&self, param: &str) -> Vec<(&str, &str)> {
        self.overrides
            .iter()
            .filter(|(_, p, _)| p == param)
            .map(|(s, _, v)| (s.as_str(), v.as_str()))
            .collect()
    }
}

/// Whether `address` is in the `mynetworks` elements: `Some(element)` that
/// matched, `None` if none did; `Err` names an element that cannot be
/// judged from the text (a table, a file).
fn in_networks(address: &str, elements: &[String]) -> Result<Option<String>, String> {
    let Ok(ip) = address.parse::<IpAddr>() else {
        return Ok(None);
    };
    for element in elements {
        let (negated, pattern) = match element.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, element.as_str()),
        };
        if pattern.contains(':') && !pattern.starts_with('[') || pattern.starts_with('/') {
            return Err(element.clone());
        }
        let (net, bits) = match pattern.split_once('/') {
            Some((net, bits)) => (net, bits.parse::<u32>().ok()),
            None => (pattern, None),
        };
        let net = net.trim_start_matches('[').trim_end_matches(']');
        let Ok(net) = net.parse::<IpAddr>() else {
            continue;
        };
        if matches_prefix(ip, net, bits) {
            return Ok((!negated).then(|| element.clone()));
        }
    }
    Ok(None)
}

fn matches_prefix(ip: IpAddr, net: IpAddr, bits: Option<u32>) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// What the configuration says of `finding`'s cause.
pub fn confirm(finding: &Finding, config: &Postconf, _events: &Events<'_>) -> Option<Confirmation> {
    let verdict = |verdict, lines: Vec<String>| Some(Confirmation { verdict, lines });
    let domain = finding.subject.as_str();
    let contains = |param: &str| {
        config
            .list(param)
            .is_some_and(|l| l.iter().any(|e| e.eq_ignore_ascii_case(domain)))
    };
    match finding.id {
        "domain-wide-reject" => {
            let param = finding.parameters.first().copied()?;
            if contains(param) {
                verdict(Verdict::Confirmed, vec![config.line(param)])
            } else {
                let mut lines = vec![config.line(param)];
                if let Some(list) = config.list(param) {
                    if let Some(table) = list.iter().find(|e| e.contains(':')) {
                        lines.push(format!("postmap -q {domain} {table}"));
                        return verdict(Verdict::Unknown, lines);
                    }
                }
                verdict(Verdict::Refuted, lines)
            }
        }
        "relay-denied" | "relay-probe" => {
            let Some(elements) = config.list("mynetworks") else {
                return verdict(
                    Verdict::Unknown,
                    vec![config.line("mynetworks"), "postconf mynetworks".into()],
                );
            };
            let mut lines = vec![config.line("mynetworks")];
            let mut outside = 0;
            for client in &finding.addresses {
                match in_networks(client, &elements) {
                    Ok(Some(element)) => {
                        lines.push(format!("{client} is in mynetworks ({element})"));
                        return verdict(Verdict::Refuted, lines);
                    }
                    Ok(None) => outside += 1,
                    Err(element) => {
                        lines.push(format!("postmap -q {client} {element}"));
                        return verdict(Verdict::Unknown, lines);
                    }
                }
            }
            lines.push(format!(
                "{} not in mynetworks",
                if outside == 1 {
                    "the client is"
                } else {
                    "the clients are"
                }
            ));
            lines.push(config.line("smtpd_relay_restrictions"));
            verdict(Verdict::Confirmed, lines)
        }
        "authenticated-relay-denied" => {
            let restrictions = config.list("smtpd_relay_restrictions");
            let lines = vec![config.line("smtpd_relay_restrictions")];
            match restrictions {
                Some(r) if !r.iter().any(|e| e == "permit_sasl_authenticated") => {
                    verdict(Verdict::Confirmed, lines)
                }
                Some(_) => verdict(Verdict::Unknown, {
                    let mut l = lines;
                    l.push("postconf -P | grep relay_restrictions".into());
                    l
                }),
                None => verdict(Verdict::Unknown, lines),
            }
        }
        "soft-user-unknown" => {
            let param = finding.parameters.first().copied()?;
            let main = config.params.get(param).map(String::as_str);
            let overrides: Vec<String> = config
                .overrides(param)
                .into_iter()
                .filter(|(_, v)| v.starts_with('4'))
                .map(|(service, value)| format!("{service}/{param} = {value}"))
                .collect();
            if main.is_some_and(|v| v.starts_with('4')) {
                verdict(Verdict::Confirmed, vec![config.line(param)])
            } else if !overrides.is_empty() {
                let mut lines = vec![config.line(param)];
                lines.extend(overrides);
                verdict(Verdict::Confirmed, lines)
            } else if config.params.get("soft_bounce").is_some_and(|v| v == "yes") {
                verdict(Verdict::Confirmed, vec![config.line("soft_bounce")])
            } else {
                verdict(
                    Verdict::Unknown,
                    vec![config.line(param), "postconf -P | grep reject_code".into()],
                )
            }
        }
        _ => {
            if finding.parameters.is_empty() {
                return None;
            }
            verdict(
                Verdict::Settings,
                finding.parameters.iter().map(|p| config.line(p)).collect(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_output_is_told_from_a_log() {
        assert!(Postconf::is_postconf_output(LAB));
        assert!(Postconf::is_postconf_output(
            "# saved on relay\n\nmyhostname = relay\n"
        ));
        for log in [
            "Nov 23 14:04:28 relay postfix/smtpd[5031]: E9E8CB4311: client=localhost[127.0.0.1]\n",
            "2026-11-23T14:04:28+01:00 relay postfix/qmgr[7]: 3B4E: from=<a@b>, size=1, nrcpt=1\n",
            "myhostname = relay\nNov 23 14:04:28 relay postfix/smtpd[1]: x=y\n",
            "",
            "\n# nothing\n",
        ] {
            assert!(!Postconf::is_postconf_output(log), "{log}");
        }
    }

    const LAB: &str = "alias_maps = hash:/etc/aliases\nmydestination = $myhostname, localhost\nmyhostname = relay.xamxam.example\nmynetworks = 127.0.0.1/32 [::1]/128\nrelay_domains =\nsmtpd_relay_restrictions = permit_mynetworks,\n    reject_unauth_destination\nunknown_local_recipient_reject_code = 550\nvirtual_mailbox_domains = xamxam.example, erg.school\nsubmission/inet/unknown_local_recipient_reject_code = 450\nsubmission/inet/syslog_name = postfix/submission\n";

    #[test]
    fn postconf_output_is_read() {
        let c = Postconf::parse("lab", LAB).unwrap();
        assert_eq!(
            c.list("virtual_mailbox_domains").unwrap(),
            ["xamxam.example", "erg.school"]
        );
        assert_eq!(
            c.list("mydestination").unwrap(),
            ["relay.xamxam.example", "localhost"]
        );
        assert_eq!(
            c.line("smtpd_relay_restrictions"),
            "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination"
        );
        assert_eq!(c.line("relay_domains"), "relay_domains =");
        assert!(c.line("soft_bounce").contains("not set"));
        assert_eq!(
            c.overrides("unknown_local_recipient_reject_code"),
            [("submission/inet", "450")]
        );
        assert!(Postconf::parse("x", "no equals sign here\n").is_err());
    }

    #[test]
    fn networks_match_addresses() {
        let nets: Vec<String> = ["127.0.0.1/32", "[::1]/128", "!192.0.2.7", "192.0.2.0/24"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            in_networks("127.0.0.1", &nets),
            Ok(Some("127.0.0.1/32".into()))
        );
        assert_eq!(in_networks("127.0.0.5", &nets), Ok(None));
        assert_eq!(in_networks("::1", &nets), Ok(Some("[::1]/128".into())));
        assert_eq!(in_networks("192.0.2.7", &nets), Ok(None), "negated");
        assert_eq!(
            in_networks("192.0.2.8", &nets),
            Ok(Some("192.0.2.0/24".into()))
        );
        let table = vec!["cidr:/etc/postfix/net.cidr".to_string()];
        assert!(in_networks("10.0.0.1", &table).is_err());
    }
}
