//! The words users type and read for the protocol's enums: `take-evidence` for
//! `ASSISTANCE_TYPE_TAKE_EVIDENCE`, `under-review` for `REQUEST_STATUS_UNDER_REVIEW`.
//!
//! Names are derived from the protobuf names, so a value added to the `.proto` files is
//! accepted and shown without touching this module.

use rogatory_proto::v1::{
    AssistanceType, AttentionReason, DeliveryState, PersonRole, ProceedingsStage, RefusalGround,
    RequestState, RequestStatus, ThreadState, UseRestriction,
};

/// A protobuf enum with user-facing kebab-case names. Value 0 (`UNSPECIFIED`) has no name.
pub trait Term: Sized + Copy + 'static {
    /// What one value is called in messages, e.g. "assistance type".
    const WHAT: &'static str;
    /// The protobuf name prefix shared by all values, e.g. "ASSISTANCE_TYPE_".
    const PREFIX: &'static str;
    fn from_number(number: i32) -> Option<Self>;
    fn number(self) -> i32;
    fn proto_name(self) -> &'static str;
    fn from_proto_name(name: &str) -> Option<Self>;
}

macro_rules! term {
    ($type:ty, $what:literal, $prefix:literal) => {
        impl Term for $type {
            const WHAT: &'static str = $what;
            const PREFIX: &'static str = $prefix;
            fn from_number(number: i32) -> Option<Self> {
                <$type>::try_from(number).ok()
            }
            fn number(self) -> i32 {
                self as i32
            }
            fn proto_name(self) -> &'static str {
                self.as_str_name()
            }
            fn from_proto_name(name: &str) -> Option<Self> {
                <$type>::from_str_name(name)
            }
        }
    };
}

term!(AssistanceType, "assistance type", "ASSISTANCE_TYPE_");
term!(PersonRole, "person role", "PERSON_ROLE_");
term!(ProceedingsStage, "proceedings stage", "PROCEEDINGS_STAGE_");
term!(RequestStatus, "request status", "REQUEST_STATUS_");
term!(DeliveryState, "delivery state", "DELIVERY_STATE_");
term!(RequestState, "request state", "REQUEST_STATE_");
term!(RefusalGround, "refusal ground", "REFUSAL_GROUND_");
term!(UseRestriction, "use restriction", "USE_RESTRICTION_");
term!(ThreadState, "thread state", "THREAD_STATE_");
term!(AttentionReason, "attention reason", "ATTENTION_REASON_");

/// The user-facing name of a value: `ASSISTANCE_TYPE_TAKE_EVIDENCE` → `take-evidence`.
pub fn name<T: Term>(value: T) -> String {
    let proto = value.proto_name();
    proto
        .strip_prefix(T::PREFIX)
        .unwrap_or(proto)
        .to_ascii_lowercase()
        .replace('_', "-")
}

/// The name of a value received as a number; values this CLI does not know (a newer peer)
/// are shown rather than hidden.
pub fn name_of<T: Term>(number: i32) -> String {
    match T::from_number(number) {
        Some(value) if number != 0 => name(value),
        _ if number == 0 => "unspecified".to_owned(),
        _ => format!("unknown {} {number}", T::WHAT),
    }
}

/// A value as the reader's language names it (`получение свидетельских показаний…` for
/// `take-evidence`): catalog message `<kind>-<name>`, e.g. `assistance-type-take-evidence`.
/// Values this CLI does not know are shown as [`name_of`] does.
pub fn label<T: Term>(value: T) -> String {
    label_in(crate::i18n::language(), value)
}

/// [`label`] in a given language, for text made for a language other than this run's.
pub fn label_in<T: Term>(language: crate::i18n::Language, value: T) -> String {
    language.catalog().text(&label_id(value), None)
}

/// [`label`] of a value received as a number.
pub fn label_of<T: Term>(number: i32) -> String {
    match T::from_number(number) {
        Some(value) if number != 0 => label(value),
        _ => name_of::<T>(number),
    }
}

fn label_id<T: Term>(value: T) -> String {
    format!(
        "{}{}",
        T::PREFIX.to_ascii_lowercase().replace('_', "-"),
        name(value)
    )
}

/// Every named value, in protocol order (without `UNSPECIFIED`).
pub fn all<T: Term>() -> Vec<T> {
    // Enum numbers are small and dense; the bound only has to exceed the largest one.
    (1..256).filter_map(T::from_number).collect()
}

/// Every name, in protocol order.
pub fn all_names<T: Term>() -> Vec<String> {
    all::<T>().into_iter().map(name).collect()
}

/// Parses a user-facing name, with an error listing the accepted names.
pub fn parse<T: Term>(text: &str) -> Result<T, String> {
    let proto = format!(
        "{}{}",
        T::PREFIX,
        text.trim().to_ascii_uppercase().replace('-', "_")
    );
    match T::from_proto_name(&proto) {
        Some(value) if value.number() != 0 && !text.contains('_') => Ok(value),
        // "unknown request state …" in the reader's language: one message per kind of value,
        // so that each language can agree its words with the kind.
        _ => Err(crate::i18n::t!(
            &format!(
                "errors-unknown-{}",
                T::PREFIX
                    .trim_end_matches('_')
                    .to_ascii_lowercase()
                    .replace('_', "-")
            ),
            text = text,
            names = all_names::<T>().join(", ")
        )),
    }
}

/// A [`Term`] read from a request file by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named<T>(pub T);

impl<'de, T: Term> serde::Deserialize<'de> for Named<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse::<T>(&text)
            .map(Named)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_value_has_a_message_for_an_unknown_one() {
        fn refused<T: Term + std::fmt::Debug>() {
            let error = parse::<T>("no-such-value").expect_err("refused");
            assert!(!error.starts_with("errors-unknown-"), "no message: {error}");
            assert!(error.contains("no-such-value"), "{error}");
        }
        refused::<AssistanceType>();
        refused::<PersonRole>();
        refused::<ProceedingsStage>();
        refused::<RequestStatus>();
        refused::<DeliveryState>();
        refused::<RequestState>();
        refused::<RefusalGround>();
        refused::<UseRestriction>();
        refused::<ThreadState>();
        refused::<AttentionReason>();
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(name(AssistanceType::TakeEvidence), "take-evidence");
        assert_eq!(
            name(AssistanceType::SearchSeizureFreezing),
            "search-seizure-freezing"
        );
        assert_eq!(
            name(RequestStatus::AdditionalInformationRequested),
            "additional-information-requested"
        );
        for value in all::<AssistanceType>() {
            assert_eq!(parse::<AssistanceType>(&name(value)), Ok(value));
        }
        assert_eq!(all::<AssistanceType>().len(), 14);
        assert_eq!(all::<RequestStatus>().len(), 13);
        assert_eq!(all::<RequestState>().len(), 15);
        assert_eq!(
            name(RefusalGround::ProhibitedByDomesticLaw),
            "prohibited-by-domestic-law"
        );
    }

    fn labels_exist<T: Term>() {
        for language in crate::i18n::Language::ALL {
            for value in all::<T>() {
                let id = label_id(value);
                assert!(
                    language.catalog().has(&id),
                    "{}: no catalog message {id} for {}",
                    language.code(),
                    value.proto_name()
                );
            }
        }
    }

    #[test]
    fn every_value_has_a_label_in_every_language() {
        labels_exist::<AssistanceType>();
        labels_exist::<PersonRole>();
        labels_exist::<ProceedingsStage>();
        labels_exist::<RequestStatus>();
        labels_exist::<DeliveryState>();
        labels_exist::<RequestState>();
        labels_exist::<RefusalGround>();
        labels_exist::<UseRestriction>();
        labels_exist::<ThreadState>();
        labels_exist::<AttentionReason>();
    }

    #[test]
    fn unspecified_and_unknown_are_refused() {
        assert!(parse::<PersonRole>("unspecified").is_err());
        assert!(parse::<PersonRole>("witness_x").is_err());
        assert!(parse::<PersonRole>("take_evidence").is_err());
        let err = parse::<PersonRole>("judge").expect_err("refused");
        assert!(
            err.contains("suspect, accused, victim, witness, expert, other"),
            "{err}"
        );
        assert_eq!(name_of::<RequestStatus>(99), "unknown request status 99");
        assert_eq!(name_of::<RequestStatus>(0), "unspecified");
    }
}
