//! The rotation gate (`stalekey gate --rotate SERVICE`, SPEC §4).
//!
//! The gate does not fork the pipeline: the scan runs as usual under the real ring, then
//! the verdict of each consumer of SERVICE is taken again from
//! [`judge::verdict_for_state`] under a *simulated* ring, the ring as it will be after the
//! next step of SERVICE's rotation.
//!
//! - `--rotate SERVICE`: the rotation: the active key becomes a fallback, the pending key
//!   (the new key; `--to ID` when there are several) becomes active.
//! - `--rotate SERVICE --finalize`: the end of the grace period of a rotation already
//!   made in the ring: every fallback key is retired, the active key stays.
//!
//! The gate fails when a consumer would then hold, as a literal, a key of SERVICE that is
//! not the active key after the step (the key it pins now, fallback keys, retired and
//! revoked keys), or data encrypted under such a key (`reencrypt` findings attributed to
//! SERVICE).

use super::exposure;
use super::judge;
use crate::error::{Error, Result};
use crate::finding::{Finding, Kind, Verdict};
use crate::names::is_fallback_name;
use crate::ring::{KeyState, Ring, RingKey};
use std::collections::HashMap;

/// The ring of one service as it will be after the rotation.
#[derive(Clone, Debug)]
pub(crate) struct Rotation {
    pub service: String,
    pub finalize: bool,
    /// The active key after the step: the pending key that becomes active, or with
    /// `--finalize` the current active key; `None`: a key not yet in the ring.
    pub new_active: Option<String>,
    /// Every key of the service, in ring order.
    pub changes: Vec<Change>,
    after: HashMap<String, KeyState>,
}

/// What the rotation does to one key of the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub id: String,
    pub from: KeyState,
    /// The state after the rotation (the same when the rotation leaves it).
    pub to: KeyState,
}

impl Rotation {
    /// The state of a key of the service after the rotation.
    pub(crate) fn state_after(&self, id: &str) -> Option<KeyState> {
        self.after.get(id).copied()
    }
}

/// Simulates the rotation of `service` (or with `finalize` the end of its grace period);
/// `to` names the pending key that becomes active (default: the service's only pending
/// key, if it has one).
pub(crate) fn simulate(
    ring: &Ring,
    service: &str,
    to: Option<&str>,
    finalize: bool,
) -> Result<Rotation> {
    let services = ring.services();
    if !services.contains(service) {
        let listed: Vec<&str> = services.into_iter().collect();
        let ring_name = ring.path.as_deref().unwrap_or("(no ring)");
        return Err(Error::Gate(if listed.is_empty() {
            format!(
                "unknown service {service:?}: the key ring {ring_name} has no keys (add them with `stalekey ring add`)"
            )
        } else {
            format!(
                "unknown service {service:?} (services in {ring_name}: {})",
                listed.join(", ")
            )
        }));
    }
    let keys: Vec<_> = ring.keys().filter(|k| k.service == service).collect();
    let pending: Vec<&str> = keys
        .iter()
        .filter(|k| k.state == KeyState::Pending)
        .map(|k| k.id.as_str())
        .collect();
    if finalize {
        if let Some(id) = to {
            return Err(Error::Gate(format!(
                "--to {id:?} names the key a rotation makes active; --finalize ends the grace period of a rotation already made"
            )));
        }
        let active: Vec<&str> = keys
            .iter()
            .filter(|k| k.state == KeyState::Active)
            .map(|k| k.id.as_str())
            .collect();
        let (changes, after) = step(&keys, |k| match k.state {
            KeyState::Fallback => KeyState::Retired,
            other => other,
        });
        return Ok(Rotation {
            service: service.to_string(),
            finalize,
            new_active: (active.len() == 1).then(|| active[0].to_string()),
            changes,
            after,
        });
    }
    let new_active = match to {
        Some(id) => {
            if !pending.contains(&id) {
                return Err(Error::Gate(format!(
                    "--to {id:?} is not a pending key of {service} (pending keys: {})",
                    if pending.is_empty() {
                        "none".to_string()
                    } else {
                        pending.join(", ")
                    }
                )));
            }
            Some(id.to_string())
        }
        None => match pending.as_slice() {
            [] => None,
            [one] => Some(one.to_string()),
            many => {
                return Err(Error::Gate(format!(
                "{service} has several pending keys ({}): say which becomes active with --to ID",
                many.join(", ")
            )))
            }
        },
    };
    let (changes, after) = step(&keys, |k| match k.state {
        KeyState::Active => KeyState::Fallback,
        KeyState::Pending if new_active.as_deref() == Some(k.id.as_str()) => KeyState::Active,
        other => other,
    });
    Ok(Rotation {
        service: service.to_string(),
        finalize,
        new_active,
        changes,
        after,
    })
}

/// Every key's change under one step of the rotation, and the states after it.
fn step(
    keys: &[&RingKey],
    next: impl Fn(&RingKey) -> KeyState,
) -> (Vec<Change>, HashMap<String, KeyState>) {
    let changes: Vec<Change> = keys
        .iter()
        .map(|k| Change {
            id: k.id.to_string(),
            from: k.state,
            to: next(k),
        })
        .collect();
    let after = changes.iter().map(|c| (c.id.clone(), c.to)).collect();
    (changes, after)
}

/// What a consumer must do before the rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Read the key from the environment or a secret store instead of a literal.
    MoveToEnvironment,
    /// The key is left in a fallback list that will no longer be accepted.
    DropFromFallbackList,
    /// Re-encrypt data at rest under the new key.
    Reencrypt,
    /// Holds the active key after the step as a literal: fine for this step, pinned for
    /// the next rotation.
    NextRotation,
    /// The key the rotation keeps accepting (as a fallback) was committed to history:
    /// revoke it instead.
    Revoke,
    /// A stored digest of a key the rotation retires: delete it.
    DeleteDigest,
}

impl Action {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::MoveToEnvironment => "move-to-environment",
            Action::DropFromFallbackList => "drop-from-fallback-list",
            Action::Reencrypt => "re-encrypt",
            Action::NextRotation => "move-before-next-rotation",
            Action::Revoke => "revoke",
            Action::DeleteDigest => "delete-digest",
        }
    }
}

/// One consumer of the service, judged under the simulated ring.
#[derive(Clone, Debug)]
pub(crate) struct GateItem {
    /// The finding with its verdict, severity and key state after the rotation.
    pub after: Finding,
    /// Its verdict and key state under the real ring.
    pub verdict_now: Verdict,
    pub state_now: KeyState,
    pub action: Action,
    /// Does this consumer fail the gate?
    pub blocking: bool,
    /// What must change, one sentence, never a secret.
    pub message: String,
}

/// The gate's result.
#[derive(Clone, Debug)]
pub(crate) struct GateOutcome {
    pub rotation: Rotation,
    /// Consumers of the service, in report order.
    pub items: Vec<GateItem>,
}

impl GateOutcome {
    pub(crate) fn blocking(&self) -> usize {
        self.items.iter().filter(|i| i.blocking).count()
    }

    pub(crate) fn passes(&self) -> bool {
        self.blocking() == 0
    }
}

/// Where re-encrypted data lives, for messages: `table.column` when the extractor says.
fn data_target(f: &Finding) -> String {
    match (f.detail.context.as_deref(), f.detail.name.as_deref()) {
        (Some(ctx), Some(name)) if !name.contains('.') && !ctx.contains(' ') => {
            format!("{ctx}.{name}")
        }
        (_, Some(name)) => name.to_string(),
        (Some(ctx), None) => ctx.to_string(),
        (None, None) => format!("{}:{}", f.location.path, f.location.line),
    }
}

/// Judges the scan's findings again under the simulated ring.
pub(crate) fn judge_rotation(findings: &[Finding], rotation: &Rotation) -> GateOutcome {
    let mut items = Vec::new();
    for f in findings {
        let Some(key) = f.key.as_ref().filter(|k| k.service == rotation.service) else {
            continue;
        };
        if f.commit.as_ref().is_some_and(|c| !c.at_head) {
            // Only in history: not a consumer now (but the key is exposed, below).
            continue;
        }
        let Some(state_after) = rotation.state_after(&key.id) else {
            continue;
        };
        if f.detail.kind == Kind::Reference {
            // A reference follows the rotation.
            continue;
        }
        let mut after = f.clone();
        if let Some(k) = after.key.as_mut() {
            k.state = state_after;
        }
        let is_new = state_after == KeyState::Active;
        if f.detail.kind == Kind::Digest && is_new {
            // Storing the digest of the key in use is how servers should hold it.
            continue;
        }
        if matches!(f.detail.kind, Kind::Literal | Kind::Digest) {
            let (verdict, severity) = judge::verdict_for_state(state_after);
            after.verdict = verdict;
            after.severity = severity;
        }
        let held = match f.detail.name.as_deref() {
            Some(name) => format!("{name} holds {}", key.id),
            None => format!("holds {}", key.id),
        };
        let change = if key.state == state_after {
            format!("{state_after}")
        } else {
            format!("{} → {state_after}", key.state)
        };
        let (action, message) = match f.detail.kind {
            Kind::Digest => (
                Action::DeleteDigest,
                format!(
                    "stores the SHA-256 of {} ({change}: {}): the server accepts the key until this digest is deleted",
                    key.id,
                    after.verdict.as_str()
                ),
            ),
            Kind::Ciphertext => (
                Action::Reencrypt,
                format!(
                    "re-encrypt {} of {} under the new key ({change})",
                    match f.detail.rows {
                        Some(1) => "1 row".to_string(),
                        Some(n) => format!("{n} rows"),
                        None => "the rows".to_string(),
                    },
                    data_target(f)
                ),
            ),
            _ if is_new => (
                Action::NextRotation,
                format!(
                    "{held}, the active key after the {}, as a literal: fine for now, but pinned; move it to the environment or the secret store before the next rotation",
                    if rotation.finalize { "grace period" } else { "rotation" }
                ),
            ),
            _ if f.detail.name.as_deref().is_some_and(is_fallback_name)
                && matches!(state_after, KeyState::Retired | KeyState::Revoked) =>
            {
                (
                    Action::DropFromFallbackList,
                    format!(
                        "{held} ({change}: {}): drop it from the fallback list",
                        after.verdict.as_str()
                    ),
                )
            }
            _ if f.detail.name.as_deref().is_some_and(is_fallback_name) => (
                Action::MoveToEnvironment,
                format!(
                    "{held} ({change}: {}): move the fallback list to the environment or the secret store, and drop the key from it when the grace period ends",
                    after.verdict.as_str()
                ),
            ),
            _ => (
                Action::MoveToEnvironment,
                format!(
                    "{held} ({change}: {}): move the literal to the environment or the secret store",
                    after.verdict.as_str()
                ),
            ),
        };
        items.push(GateItem {
            verdict_now: f.verdict,
            state_now: key.state,
            blocking: !is_new,
            action,
            message,
            after,
        });
    }
    // A key the rotation keeps accepting that was ever committed is held by anyone with
    // a clone: keeping it as a fallback is not enough.
    for e in exposure::exposed(findings) {
        if e.service != rotation.service
            || rotation.state_after(&e.key_id) != Some(KeyState::Fallback)
        {
            continue;
        }
        let Some(f) = findings.iter().find(|f| {
            f.key.as_ref().is_some_and(|k| k.id == e.key_id) && f.commit.as_ref() == Some(&e.commit)
        }) else {
            continue;
        };
        let mut after = f.clone();
        if let Some(k) = after.key.as_mut() {
            k.state = KeyState::Fallback;
        }
        items.push(GateItem {
            verdict_now: f.verdict,
            state_now: f.key.as_ref().map_or(KeyState::Active, |k| k.state),
            blocking: true,
            action: Action::Revoke,
            message: format!(
                "key {} was {}: revoke it instead of keeping it as a fallback",
                e.key_id,
                e.where_()
            ),
            after,
        });
    }
    GateOutcome {
        rotation: rotation.clone(),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Detail, KeyRef, Location, Severity};
    use crate::format::Format;

    const FPS: [&str; 4] = [
        "sha256:0000000000000000000000000000000000000000000000000000000000000001",
        "sha256:0000000000000000000000000000000000000000000000000000000000000002",
        "sha256:0000000000000000000000000000000000000000000000000000000000000003",
        "sha256:0000000000000000000000000000000000000000000000000000000000000004",
    ];

    fn ring(keys: &[(&str, &str, &str)]) -> Ring {
        let entries: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, (id, service, state))| {
                format!(
                    r#"{{"id": "{id}", "service": "{service}", "state": "{state}", "fingerprint": "{}"}}"#,
                    FPS[i]
                )
            })
            .collect();
        Ring::parse(
            &format!(r#"{{"version": 1, "keys": [{}]}}"#, entries.join(",")),
            "r.json",
        )
        .unwrap()
    }

    fn finding(id: &str, service: &str, state: KeyState, kind: Kind, name: &str) -> Finding {
        let (verdict, severity) = match kind {
            Kind::Ciphertext => (Verdict::Reencrypt, Severity::Medium),
            _ => judge::verdict_for_state(state),
        };
        let mut detail = Detail::new(kind, "r");
        detail.name = Some(name.into());
        detail.rows = (kind == Kind::Ciphertext).then_some(3);
        Finding {
            location: Location {
                path: "app.py".into(),
                line: 1,
                column: 1,
                char_column: 1,
            },
            verdict,
            severity,
            format: Format::Python,
            detail,
            fingerprint: None,
            key: Some(KeyRef {
                id: id.into(),
                service: service.into(),
                state,
            }),
            preview: None,
            commit: None,
        }
    }

    #[test]
    fn rotation_moves_active_to_fallback_and_promotes_pending() {
        let r = ring(&[
            ("s/1", "s", "active"),
            ("s/2", "s", "pending"),
            ("s/0", "s", "fallback"),
            ("t/1", "t", "active"),
        ]);
        let rot = simulate(&r, "s", None, false).unwrap();
        assert_eq!(rot.new_active.as_deref(), Some("s/2"));
        assert_eq!(rot.state_after("s/1"), Some(KeyState::Fallback));
        assert_eq!(rot.state_after("s/2"), Some(KeyState::Active));
        assert_eq!(rot.state_after("s/0"), Some(KeyState::Fallback));
        assert_eq!(rot.state_after("t/1"), None);
        assert!(simulate(&r, "s", Some("s/2"), true).is_err());
        let fin = simulate(&r, "s", None, true).unwrap();
        assert_eq!(fin.state_after("s/1"), Some(KeyState::Active));
        assert_eq!(fin.state_after("s/2"), Some(KeyState::Pending));
        assert_eq!(fin.state_after("s/0"), Some(KeyState::Retired));
        assert_eq!(fin.new_active.as_deref(), Some("s/1"));
    }

    #[test]
    fn unknown_service_lists_services() {
        let r = ring(&[("s/1", "s", "active"), ("t/1", "t", "active")]);
        let e = simulate(&r, "u", None, false).unwrap_err().to_string();
        assert!(e.contains("unknown service \"u\""), "{e}");
        assert!(e.contains("s, t"), "{e}");
        let two = ring(&[("s/1", "s", "pending"), ("s/2", "s", "pending")]);
        let e = simulate(&two, "s", None, false).unwrap_err().to_string();
        assert!(e.contains("--to"), "{e}");
        assert!(simulate(&two, "s", Some("s/2"), false).is_ok());
        assert!(simulate(&two, "s", Some("s/3"), false).is_err());
    }

    #[test]
    fn rejudging_blocks_old_keys_and_data_but_not_the_new_key() {
        let r = ring(&[
            ("s/1", "s", "active"),
            ("s/2", "s", "pending"),
            ("t/1", "t", "active"),
        ]);
        let rot = simulate(&r, "s", None, false).unwrap();
        let findings = vec![
            finding("s/1", "s", KeyState::Active, Kind::Literal, "SECRET_KEY"),
            finding("s/2", "s", KeyState::Pending, Kind::Literal, "SECRET_KEY"),
            finding("s/1", "s", KeyState::Active, Kind::Ciphertext, "token"),
            finding("t/1", "t", KeyState::Active, Kind::Literal, "OTHER"),
        ];
        let out = judge_rotation(&findings, &rot);
        assert_eq!(out.items.len(), 3);
        let pinned = &out.items[0];
        assert!(pinned.blocking);
        assert_eq!(pinned.verdict_now, Verdict::Pinned);
        assert_eq!(pinned.after.verdict, Verdict::Expiring);
        assert_eq!(pinned.action, Action::MoveToEnvironment);
        assert!(pinned.message.contains("active → fallback: expiring"));
        let new = &out.items[1];
        assert!(!new.blocking);
        assert_eq!(new.after.verdict, Verdict::Pinned);
        let data = &out.items[2];
        assert!(data.blocking);
        assert_eq!(data.action, Action::Reencrypt);
        assert!(data.message.starts_with("re-encrypt 3 rows of token"));
        assert_eq!(out.blocking(), 2);

        // After the rotation: s/1 is a fallback, s/2 active; finalizing retires s/1.
        let rotated = ring(&[("s/1", "s", "fallback"), ("s/2", "s", "active")]);
        let fin = simulate(&rotated, "s", None, true).unwrap();
        let held = vec![
            finding(
                "s/1",
                "s",
                KeyState::Fallback,
                Kind::Literal,
                "SECRET_KEY_FALLBACKS",
            ),
            finding("s/2", "s", KeyState::Active, Kind::Literal, "SECRET_KEY"),
        ];
        let out = judge_rotation(&held, &fin);
        assert_eq!(out.items[0].after.verdict, Verdict::Stale);
        assert_eq!(out.items[0].action, Action::DropFromFallbackList);
        assert!(out.items[0].blocking);
        assert_eq!(out.items[1].after.verdict, Verdict::Pinned);
        assert!(!out.items[1].blocking);
    }
}
