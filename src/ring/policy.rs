//! `ring check`: the keys a rotation policy says are overdue (SPEC lifecycle): active
//! keys older than their service's `max_age`, fallback keys past `grace`, and pending
//! keys left unactivated past the grace period. A key's age runs from `since` (when it
//! entered its state), else `created`.

use super::{KeyState, Ring, RingKey};

/// What is wrong with one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Active for longer than `max_age`: rotate it.
    Overdue,
    /// Fallback for longer than `grace`: retire it.
    PastGrace,
    /// Pending for longer than the grace period (else `max_age`): activate or remove it.
    NeverActivated,
}

impl Problem {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Problem::Overdue => "overdue",
            Problem::PastGrace => "past-grace",
            Problem::NeverActivated => "never-activated",
        }
    }

    /// What to do with a key of `service`, one sentence.
    pub(crate) fn advice(self, service: &str) -> String {
        match self {
            Problem::Overdue => format!("rotate it (stalekey gate --rotate {service} first)"),
            Problem::PastGrace => {
                format!("retire it (stalekey gate --rotate {service} --finalize first)")
            }
            Problem::NeverActivated => "activate it in a rotation, or remove it".to_string(),
        }
    }
}

/// One key the policy flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Flagged<'a> {
    pub key: &'a RingKey,
    pub problem: Problem,
    /// Seconds in its state (or since it was created).
    pub age: i64,
    /// The policy's limit it passed, in seconds.
    pub limit: i64,
}

/// When the key entered its state: `since`, else `created`.
fn entered(key: &RingKey) -> Option<i64> {
    key.since
        .or_else(|| key.created.as_deref().and_then(crate::clock::parse))
}

/// Every key the services' policies flag at time `now`, in ring order.
pub(crate) fn check(ring: &Ring, now: i64) -> Vec<Flagged<'_>> {
    let mut out = Vec::new();
    for key in ring.keys() {
        let policy = ring.policy(&key.service);
        let (problem, limit) = match key.state {
            KeyState::Active => (Problem::Overdue, policy.max_age),
            KeyState::Fallback => (Problem::PastGrace, policy.grace),
            KeyState::Pending => (Problem::NeverActivated, policy.grace.or(policy.max_age)),
            KeyState::Retired | KeyState::Revoked => continue,
        };
        let (Some(limit), Some(at)) = (limit, entered(key)) else {
            continue;
        };
        let age = now - at;
        if age > limit {
            out.push(Flagged {
                key,
                problem,
                age,
                limit,
            });
        }
    }
    out
}

/// A duration in its largest whole unit: `9d`, `36h`.
pub(crate) fn shown_duration(secs: i64) -> String {
    if secs >= 2 * 86_400 {
        format!("{}d", secs / 86_400)
    } else {
        format!("{}h", secs / 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_overdue_active_fallback_past_grace_and_stale_pending() {
        let fp = |n: u8| format!("sha256:{}", format!("{n:02x}").repeat(32));
        let text = format!(
            r#"{{"version": 1,
 "services": {{"ai": {{"max_age": "7d", "grace": "48h"}}, "db": {{"max_age": "2w"}}}},
 "keys": [
  {{"id": "ai/old", "service": "ai", "state": "fallback", "since": "2026-01-01T00:00:00Z", "fingerprint": "{}"}},
  {{"id": "ai/cur", "service": "ai", "state": "active", "since": "2026-01-02T00:00:00Z", "fingerprint": "{}"}},
  {{"id": "ai/next", "service": "ai", "state": "pending", "created": "2026-01-09", "fingerprint": "{}"}},
  {{"id": "db/cur", "service": "db", "state": "active", "since": "2026-01-02T00:00:00Z", "fingerprint": "{}"}},
  {{"id": "free/cur", "service": "free", "state": "active", "created": "2020-01-01", "fingerprint": "{}"}}
 ]}}"#,
            fp(1),
            fp(2),
            fp(3),
            fp(4),
            fp(5)
        );
        let ring = Ring::parse(&text, "r.json").unwrap();
        let now = crate::clock::parse("2026-01-10T00:00:00Z").unwrap();
        let got: Vec<(&str, Problem, String)> = check(&ring, now)
            .iter()
            .map(|f| (f.key.id.as_str(), f.problem, shown_duration(f.age)))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ai/old", Problem::PastGrace, "9d".to_string()),
                ("ai/cur", Problem::Overdue, "8d".to_string()),
            ]
        );
        let later = crate::clock::parse("2026-01-20T00:00:00Z").unwrap();
        let ids: Vec<&str> = check(&ring, later)
            .iter()
            .map(|f| f.key.id.as_str())
            .collect();
        assert_eq!(ids, vec!["ai/old", "ai/cur", "ai/next", "db/cur"]);
    }

    #[test]
    fn malformed_durations_and_times_name_the_service_or_key() {
        let fp = format!("sha256:{}", "ab".repeat(32));
        let bad = r#"{"version": 1, "services": {"openai": {"max_age": "7 days"}}, "keys": []}"#;
        let e = Ring::parse(bad, "r.json").unwrap_err().to_string();
        assert!(
            e.contains("services.openai") && e.contains("max_age"),
            "{e}"
        );
        let bad = format!(
            r#"{{"version": 1, "keys": [{{"id": "k", "service": "s", "state": "active", "since": "yesterday", "fingerprint": "{fp}"}}]}}"#
        );
        let e = Ring::parse(&bad, "r.json").unwrap_err().to_string();
        assert!(e.contains("since"), "{e}");
        let bad = r#"{"version": 1, "services": {"s": {"maxage": "7d"}}, "keys": []}"#;
        let e = Ring::parse(bad, "r.json").unwrap_err().to_string();
        assert!(e.contains("maxage"), "{e}");
    }
}
