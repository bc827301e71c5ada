//! What one roster changes from another, in the reader's language: the protocol crate finds
//! the differences as data ([`Change`]) and says them in English for logs and `--json`; this
//! module says them through the catalogs (`roster-changes.ftl`) for people reading `federation
//! propose`, `sign`, `show` and `diff`.

use rogatory_proto::roster::{Change, format_utc, short_key};

use crate::i18n::{Language, t_in};
use crate::output::one_line;

/// A roster's own words (a name, an authority, a reason), kept on one line.
fn words(text: &str) -> String {
    one_line(text).into_owned()
}

/// One change as a phrase that completes "Compared with roster N, it:", in this run's
/// language.
pub fn text(change: &Change) -> String {
    text_in(crate::i18n::language(), change)
}

/// [`text`] in a given language.
pub fn text_in(language: Language, change: &Change) -> String {
    match change {
        Change::FederationRenamed { from, to } => t_in!(
            language,
            "roster-change-federation-renamed",
            from = words(from),
            to = words(to)
        ),
        Change::Reissued {
            serial,
            issued_at_ms,
            expires_at_ms,
        } => t_in!(
            language,
            "roster-change-reissued",
            serial = *serial,
            issued = format_utc(*issued_at_ms),
            expires = format_utc(*expires_at_ms)
        ),
        Change::AddsMember(m) => {
            let mut text = t_in!(
                language,
                "roster-change-adds-member",
                node = m.node_id.as_str(),
                country = words(&m.country),
                authority = words(&m.authority),
                addresses = m.addresses.join(", ")
            );
            for key in &m.signing_keys {
                text.push_str(&t_in!(
                    language,
                    "roster-change-adds-member-key",
                    key = short_key(&key.public_key)
                ));
            }
            text
        }
        Change::RemovesMember { node_id } => {
            t_in!(
                language,
                "roster-change-removes-member",
                node = node_id.as_str()
            )
        }
        Change::ChangesCountry { node_id, from, to } => t_in!(
            language,
            "roster-change-country",
            node = node_id.as_str(),
            from = words(from),
            to = words(to)
        ),
        Change::ChangesAuthority { node_id, from, to } => t_in!(
            language,
            "roster-change-authority",
            node = node_id.as_str(),
            from = words(from),
            to = words(to)
        ),
        Change::ChangesAddresses { node_id, from, to } => t_in!(
            language,
            "roster-change-addresses",
            node = node_id.as_str(),
            from = from.join(", "),
            to = to.join(", ")
        ),
        Change::AddsSigningKey { node_id, key } => t_in!(
            language,
            "roster-change-adds-key",
            node = node_id.as_str(),
            key = short_key(&key.public_key),
            from = format_utc(key.not_before_ms)
        ),
        Change::RetiresSigningKey {
            node_id,
            public_key,
            at_ms,
        } => t_in!(
            language,
            "roster-change-retires-key",
            node = node_id.as_str(),
            key = short_key(public_key),
            at = format_utc(*at_ms)
        ),
        Change::RevokesSigningKey {
            node_id,
            public_key,
            since_ms,
            reason,
        } => t_in!(
            language,
            "roster-change-revokes-key",
            node = node_id.as_str(),
            key = short_key(public_key),
            since = format_utc(*since_ms),
            reason = words(reason)
        ),
        Change::RewritesSigningKey {
            node_id,
            public_key,
        } => t_in!(
            language,
            "roster-change-rewrites-key",
            node = node_id.as_str(),
            key = short_key(public_key)
        ),
        Change::RemovesSigningKey {
            node_id,
            public_key,
        } => t_in!(
            language,
            "roster-change-removes-key",
            node = node_id.as_str(),
            key = short_key(public_key)
        ),
        Change::AddsGovernor { name, public_key } => t_in!(
            language,
            "roster-change-adds-governor",
            name = words(name),
            key = short_key(public_key)
        ),
        Change::RemovesGovernor { name, public_key } => t_in!(
            language,
            "roster-change-removes-governor",
            name = words(name),
            key = short_key(public_key)
        ),
        Change::RenamesGovernor {
            public_key,
            from,
            to,
        } => t_in!(
            language,
            "roster-change-renames-governor",
            key = short_key(public_key),
            from = words(from),
            to = words(to)
        ),
        Change::ChangesThreshold { from, to } => t_in!(
            language,
            "roster-change-threshold",
            from = from.0,
            from_of = from.1,
            to = to.0,
            to_of = to.1
        ),
        Change::AddsCertificateAuthority { sha256 } => {
            t_in!(language, "roster-change-adds-ca", sha = hex::encode(sha256))
        }
        Change::RemovesCertificateAuthority { sha256 } => {
            t_in!(
                language,
                "roster-change-removes-ca",
                sha = hex::encode(sha256)
            )
        }
        Change::RevokesCertificate(r) => t_in!(
            language,
            "roster-change-revokes-certificate",
            serial = hex::encode(&r.serial),
            since = format_utc(r.revoked_at_ms),
            reason = words(&r.reason)
        ),
        Change::DropsCertificateRevocation(r) => t_in!(
            language,
            "roster-change-drops-revocation",
            serial = hex::encode(&r.serial)
        ),
        // A change this CLI does not know yet (a newer protocol crate): its English words.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rogatory_proto::v1::{Member, MemberKey, RevokedCertificate};

    fn every_change() -> Vec<Change> {
        let key = vec![7; 32];
        vec![
            Change::FederationRenamed {
                from: "CASC".into(),
                to: "CASC network".into(),
            },
            Change::Reissued {
                serial: 2,
                issued_at_ms: 1_767_225_600_000,
                expires_at_ms: 1_798_761_600_000,
            },
            Change::AddsMember(Member {
                node_id: "kz".into(),
                country: "KZ".into(),
                authority: "General Prosecutor's Office".into(),
                addresses: vec!["kz.example:7400".into(), "kz2.example:7400".into()],
                signing_keys: vec![MemberKey {
                    public_key: key.clone(),
                    ..Default::default()
                }],
            }),
            Change::RemovesMember {
                node_id: "kz".into(),
            },
            Change::ChangesCountry {
                node_id: "kz".into(),
                from: "KZ".into(),
                to: "KG".into(),
            },
            Change::ChangesAuthority {
                node_id: "kz".into(),
                from: "Ministry".into(),
                to: "Office".into(),
            },
            Change::ChangesAddresses {
                node_id: "kz".into(),
                from: vec!["a:1".into()],
                to: vec!["b:2".into(), "c:3".into()],
            },
            Change::AddsSigningKey {
                node_id: "kz".into(),
                key: MemberKey {
                    public_key: key.clone(),
                    not_before_ms: 1_767_225_600_000,
                    ..Default::default()
                },
            },
            Change::RetiresSigningKey {
                node_id: "kz".into(),
                public_key: key.clone(),
                at_ms: 1_767_225_630_000,
            },
            Change::RevokesSigningKey {
                node_id: "kz".into(),
                public_key: key.clone(),
                since_ms: 1_767_225_600_000,
                reason: "stolen laptop".into(),
            },
            Change::RewritesSigningKey {
                node_id: "kz".into(),
                public_key: key.clone(),
            },
            Change::RemovesSigningKey {
                node_id: "kz".into(),
                public_key: key.clone(),
            },
            Change::AddsGovernor {
                name: "governor 4".into(),
                public_key: key.clone(),
            },
            Change::RemovesGovernor {
                name: "governor 4".into(),
                public_key: key.clone(),
            },
            Change::RenamesGovernor {
                public_key: key.clone(),
                from: "A. Berdiyev".into(),
                to: "A. Berdiev".into(),
            },
            Change::ChangesThreshold {
                from: (2, 3),
                to: (3, 4),
            },
            Change::AddsCertificateAuthority { sha256: [1; 32] },
            Change::RemovesCertificateAuthority { sha256: [2; 32] },
            Change::RevokesCertificate(RevokedCertificate {
                serial: vec![0xab, 0xcd],
                revoked_at_ms: 1_767_225_600_000,
                reason: "key compromise".into(),
                ..Default::default()
            }),
            Change::DropsCertificateRevocation(RevokedCertificate {
                serial: vec![0xab, 0xcd],
                ..Default::default()
            }),
        ]
    }

    #[test]
    fn english_changes_read_as_the_protocol_crate_words_them() {
        for change in every_change() {
            assert_eq!(text_in(Language::English, &change), change.to_string());
        }
    }

    #[test]
    fn russian_changes_keep_only_the_rosters_own_words_in_latin() {
        // The roster's own words in these examples, and what is Latin by nature.
        let own = [
            "CASC",
            "network",
            "KZ",
            "KG",
            "General",
            "Prosecutor",
            "Office",
            "Ministry",
            "stolen",
            "laptop",
            "governor",
            "Berdiyev",
            "Berdiev",
            "key",
            "compromise",
            "SHA",
            "UTC",
            "TLS",
            "kz",
            "example",
            "A",
        ];
        for change in every_change() {
            let russian = text_in(Language::Russian, &change);
            let latin: Vec<&str> = russian
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1 && !w.chars().all(|c| c.is_ascii_hexdigit()))
                .filter(|w| !own.contains(w))
                .collect();
            assert!(latin.is_empty(), "{latin:?} in {russian}");
        }
    }
}
