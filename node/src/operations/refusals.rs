//! What the node says to a person when it refuses what they asked, in their language.
//!
//! A refusal is a [`Sentence`]: a catalog message (`node/locales/<language>/refusals.ftl`) with
//! the error's specifics (peer ids, message ids, numbers, limits) as Fluent variables, rendered
//! in whichever language the reader asked for. The transport renders it into the message of
//! an Operator API status (`transport::status`, in the language of the call's
//! `accept-language`); the web console renders the same sentences without gRPC. The gRPC code
//! and the `rogatory-reason` token are not decided here: programs rely on those.
//!
//! Each reason token has a short headline (`reason-<token>`, [`headline`]): what a person reads
//! of a peer's refusal (the peer's own words are quoted after it, as the peer wrote them), and
//! the first words of a refusal whose details exist in English only.
//!
//! Peer-to-peer statuses stay English: they are protocol, read by another country's software.

use crate::delivery::outbound::SubmitError;
use rogatory_proto::lifecycle::{self, Side, ThreadError, TransitionError};
use rogatory_proto::v1::{RequestState, RequestStatus};

use crate::identity::users::AccessError;
use crate::locale::{Arg, FluentArgs, FluentValue, Language};
use crate::rules::attachments::Refusal;
use crate::rules::disk_reserve::DiskFull;
use crate::storage::ids::{IdError, IdKind};

/// A refusal as a catalog message and its variables, not yet in any language.
#[derive(Debug, Clone)]
pub struct Sentence {
    id: &'static str,
    args: Vec<(&'static str, FluentValue<'static>)>,
    /// Protocol values (`accepted`): in English their protocol name, as commands take it; in
    /// other languages their label (catalog message) with the name after it.
    terms: Vec<(&'static str, Vec<Term>)>,
    /// Words that exist only in English (a peer's or a library's), shown after the sentence.
    english_detail: Option<String>,
}

impl Sentence {
    /// Catalog message `id`, without variables yet.
    pub fn new(id: &'static str) -> Self {
        Self {
            id,
            args: Vec::new(),
            terms: Vec::new(),
            english_detail: None,
        }
    }

    /// The same sentence with variable `name` set to protocol values, listed with commas.
    fn with_terms(mut self, name: &'static str, terms: Vec<Term>) -> Self {
        self.terms.push((name, terms));
        self
    }

    /// The same sentence with variable `name` set to `value`.
    pub fn with(mut self, name: &'static str, value: impl Arg) -> Self {
        self.args.push((name, value.to_value()));
        self
    }

    /// A refusal whose specifics exist only as English text: catalog message `headline` (a
    /// `reason-*` headline or another sentence without variables) in the reader's language,
    /// then the English detail marked as such (in English, the detail alone: it is already the
    /// whole sentence).
    pub fn english(headline: &'static str, detail: impl Into<String>) -> Self {
        Self {
            id: headline,
            args: Vec::new(),
            terms: Vec::new(),
            english_detail: Some(detail.into()),
        }
    }

    /// The catalog message this sentence is (for tests and for the console's templates).
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The sentence in `language`.
    pub fn render(&self, language: Language) -> String {
        if let Some(detail) = &self.english_detail {
            if language == Language::English {
                return detail.clone();
            }
            let mut args = FluentArgs::new();
            args.set("headline", language.catalog().text(self.id, None));
            args.set("detail", detail.clone());
            return language
                .catalog()
                .text("refusal-english-detail", Some(&args));
        }
        let mut args = FluentArgs::new();
        for (name, value) in &self.args {
            args.set(*name, value.clone());
        }
        for (name, terms) in &self.terms {
            let listed: Vec<String> = terms.iter().map(|term| term.render(language)).collect();
            args.set(*name, listed.join(", "));
        }
        language.catalog().text(self.id, Some(&args))
    }
}

/// A protocol value in a refusal: its catalog label and its protocol name.
#[derive(Debug, Clone)]
struct Term {
    label: String,
    name: String,
}

impl Term {
    fn status(status: RequestStatus) -> Self {
        let name = lifecycle::status_name(status);
        Self {
            label: format!("request-status-{name}"),
            name,
        }
    }

    fn state(state: RequestState) -> Self {
        let name = lifecycle::state_name(state);
        Self {
            label: format!("request-state-{name}"),
            name,
        }
    }

    fn side(side: Side) -> Self {
        Self {
            label: match side {
                Side::Requesting => "refusal-side-requesting",
                Side::Requested => "refusal-side-requested",
            }
            .to_owned(),
            name: side.to_string(),
        }
    }

    fn render(&self, language: Language) -> String {
        if language == Language::English {
            return self.name.clone();
        }
        let label = language.catalog().text(&self.label, None);
        if self.name.contains(' ') {
            // A side: words, not a value anyone types.
            label
        } else {
            format!("«{label}» ({})", self.name)
        }
    }
}

/// A status update the request's lifecycle does not allow now.
fn transition(error: &ThreadError) -> Sentence {
    let ThreadError::Transition(transition) = error else {
        return Sentence::english(
            "refusal-status-not-allowed",
            SubmitError::Transition(error.clone()).to_string(),
        );
    };
    match transition {
        TransitionError::Final { state } => {
            Sentence::new("refusal-request-final").with_terms("state", vec![Term::state(*state)])
        }
        TransitionError::NotEntitled {
            status,
            by,
            entitled,
        } => Sentence::new("refusal-status-not-entitled")
            .with_terms("status", vec![Term::status(*status)])
            .with_terms("by", vec![Term::side(*by)])
            .with_terms("entitled", vec![Term::side(*entitled)]),
        TransitionError::NotAllowed { state, status, by } => {
            let listed = |side| -> Vec<Term> {
                lifecycle::allowed(*state, side)
                    .iter()
                    .map(|s| Term::status(*s))
                    .collect()
            };
            let (mine, theirs) = (listed(*by), listed(by.other()));
            let sentence = match (mine.is_empty(), theirs.is_empty()) {
                (false, _) => {
                    Sentence::new("refusal-status-cannot-follow").with_terms("allowed", mine)
                }
                (true, false) => Sentence::new("refusal-status-other-side-may")
                    .with_terms("other", vec![Term::side(by.other())])
                    .with_terms("allowed", theirs),
                (true, true) => Sentence::new("refusal-status-nothing-follows"),
            };
            sentence
                .with_terms("status", vec![Term::status(*status)])
                .with_terms("state", vec![Term::state(*state)])
                .with_terms("by", vec![Term::side(*by)])
        }
        _ => Sentence::english(
            "refusal-status-not-allowed",
            SubmitError::Transition(error.clone()).to_string(),
        ),
    }
}

/// The headline of reason token `reason` (`bad-signature`) in `language`; for a token no
/// catalog knows (a newer peer's), the general one.
pub fn headline(reason: &str, language: Language) -> String {
    let id = format!("reason-{reason}");
    let catalog = language.catalog();
    if catalog.has(&id) {
        catalog.text(&id, None)
    } else {
        catalog.text("reason-other", None)
    }
}

/// Whether `reason` has a headline of its own in every language.
pub fn has_headline(reason: &str) -> bool {
    let id = format!("reason-{reason}");
    Language::ALL
        .iter()
        .all(|language| language.catalog().has(&id))
}

/// A caller on the operator socket who may not do what it asked.
pub fn access(error: &AccessError) -> Sentence {
    let account = |uid: u32, unix_user: &Option<String>| match unix_user {
        Some(user) => format!("\"{user}\" (uid {uid})"),
        None => format!("uid {uid}"),
    };
    match error {
        AccessError::NotAContactPoint { uid, unix_user } => {
            Sentence::new("refusal-not-a-contact-point")
                .with("account", account(*uid, unix_user))
                .with("user", unix_user.as_deref().unwrap_or("NAME"))
                .with("uid", *uid)
        }
        AccessError::NameMismatch {
            uid,
            unix_user,
            name,
            declared,
        } => Sentence::new("refusal-name-mismatch")
            .with("account", account(*uid, unix_user))
            .with("name", name)
            .with("declared", declared),
        AccessError::NotAnOperator { uid, unix_user } => {
            Sentence::new("refusal-not-an-operator").with("account", account(*uid, unix_user))
        }
        AccessError::Unidentified => Sentence::new("refusal-unidentified-caller"),
    }
}

/// A submission the node would not sign.
pub fn submit(error: &SubmitError) -> Sentence {
    match error {
        SubmitError::UnknownRecipient(peer) => {
            Sentence::new("refusal-unknown-recipient").with("peer", peer)
        }
        SubmitError::UnknownMessage(id) => no_such_message(id),
        SubmitError::Missing(field) => {
            Sentence::new("refusal-field-required").with("field", *field)
        }
        SubmitError::InvalidField { field, problem } => invalid_field(field, problem),
        SubmitError::OutsideLifecycle(id, kind) => {
            Sentence::new(if *kind == crate::rules::cases::CONSULTATION {
                "refusal-update-on-consultation"
            } else {
                "refusal-update-on-information"
            })
            .with("id", id)
        }
        SubmitError::UnboundCaseId { case_id, node } => Sentence::new("refusal-unbound-case-id")
            .with("case", case_id)
            .with("node", node),
        SubmitError::Invalid(_) | SubmitError::InvalidMessage(_) => {
            Sentence::english("refusal-not-signed", error.to_string())
        }
        SubmitError::Parties(_) => Sentence::english("reason-parties-mismatch", error.to_string()),
        SubmitError::Transition(thread) => transition(thread),
        SubmitError::DiskFull(full) => disk_full(full),
        SubmitError::Store(_) => Sentence::new("refusal-store-unavailable"),
    }
}

/// A field of a message that the receiver's check 2 would refuse. The protocol states its
/// problems in English; the two everyone meets (empty, too long) are said in the reader's
/// language, the rest quoted.
fn invalid_field(field: &str, problem: &str) -> Sentence {
    if problem == "required" {
        return Sentence::new("refusal-field-required").with("field", field);
    }
    let longer = problem
        .strip_prefix("longer than ")
        .and_then(|rest| rest.strip_suffix(" bytes"))
        .and_then(|max| max.parse::<u64>().ok());
    match longer {
        Some(max) => Sentence::new("refusal-field-too-long")
            .with("field", field)
            .with("max", max),
        None => Sentence::new("refusal-field-invalid")
            .with("field", field)
            .with("problem", problem),
    }
}

/// An id a person typed that stands for no single message or case.
pub fn id(error: &IdError) -> Sentence {
    match error {
        IdError::NotFound { kind, typed } => Sentence::new(match kind {
            IdKind::Message => "refusal-no-message-id",
            IdKind::Case => "refusal-no-case-id",
        })
        .with("typed", typed),
        IdError::Ambiguous {
            kind,
            typed,
            candidates,
            more,
        } => {
            let mut listed = candidates.join(", ");
            if *more {
                listed.push_str(", ...");
            }
            Sentence::new(match kind {
                IdKind::Message => "refusal-ambiguous-message-id",
                IdKind::Case => "refusal-ambiguous-case-id",
            })
            .with("typed", typed)
            .with("candidates", listed)
        }
        IdError::Store(_) => Sentence::new("refusal-store-unavailable"),
    }
}

/// New work refused below the disk reserve; the sizes in MiB.
pub fn disk_full(full: &DiskFull) -> Sentence {
    const MIB: u64 = 1024 * 1024;
    Sentence::new("refusal-disk-reserve")
        .with("free", full.free / MIB)
        .with("reserve", full.reserve / MIB)
        .with("incoming", full.incoming.div_ceil(MIB))
}

/// A peer id that names no peer of this node (a directory search).
pub fn unknown_peer(peer: &str) -> Sentence {
    Sentence::new("refusal-directory-unknown-peer").with("peer", peer)
}

/// A message id the node holds no message under.
pub fn no_such_message(id: &str) -> Sentence {
    Sentence::new("refusal-no-message").with("id", id)
}

/// A case id the node holds no case under.
pub fn no_such_case(id: &str) -> Sentence {
    Sentence::new("refusal-no-case").with("id", id)
}

/// A submission whose attachments are not (all) stored here, verified, before signing.
pub fn unstored(refusal: &Refusal) -> Sentence {
    match refusal {
        Refusal::BadReference { index, problem } => Sentence::new("refusal-attachment-reference")
            .with("index", *index)
            .with("problem", problem),
        Refusal::TooLarge { total } => {
            Sentence::new("refusal-attachments-too-large").with("total", *total)
        }
        Refusal::Missing { missing, first } => Sentence::new("refusal-attachments-not-stored")
            .with("count", *missing)
            .with("first", first),
    }
}

/// A peer's refusal of a delivery, as the outbox keeps it in `last_error`:
/// `de refused the message (PermissionDenied, reason unknown-peer): <the peer's words>`.
/// Written by the transport when a peer refuses, read back here to show a person the headline
/// of the reason in their language, with the peer's own words quoted after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerRefusal<'a> {
    pub peer: &'a str,
    /// The gRPC code's name (`PermissionDenied`).
    pub code: &'a str,
    /// The `rogatory-reason` token; empty if the peer sent none.
    pub reason: &'a str,
    /// What the peer wrote, as it wrote it.
    pub words: &'a str,
}

const REFUSED: &str = " refused the message (";
const REASON: &str = ", reason ";

impl<'a> PeerRefusal<'a> {
    /// The stored form.
    pub fn text(peer: &str, code: &str, reason: &str, words: &str) -> String {
        if reason.is_empty() {
            format!("{peer}{REFUSED}{code}): {words}")
        } else {
            format!("{peer}{REFUSED}{code}{REASON}{reason}): {words}")
        }
    }

    /// The refusal a stored `last_error` records, if it records one.
    pub fn parse(text: &'a str) -> Option<Self> {
        let (peer, rest) = text.split_once(REFUSED)?;
        let (inside, words) = rest.split_once("): ")?;
        if peer.contains(char::is_whitespace) || inside.contains(['(', ')']) {
            return None;
        }
        let (code, reason) = inside.split_once(REASON).unwrap_or((inside, ""));
        Some(Self {
            peer,
            code,
            reason,
            words,
        })
    }

    /// The refusal for a person: who refused, the reason's headline in `language`, then the
    /// peer's own words, marked as theirs.
    pub fn render(&self, language: Language) -> String {
        let reason = if self.reason.is_empty() {
            "other"
        } else {
            self.reason
        };
        let mut args = FluentArgs::new();
        args.set("peer", self.peer.to_owned());
        args.set("headline", headline(reason, language));
        args.set("words", self.words.to_owned());
        language.catalog().text("refusal-peer-refused", Some(&args))
    }
}

/// A delivery's `last_error` as a person reads it in `language`: a peer's refusal with its
/// headline (see [`PeerRefusal`]), anything else as the node wrote it.
pub fn delivery_error(last_error: &str, language: Language) -> String {
    PeerRefusal::parse(last_error).map_or_else(|| last_error.to_owned(), |r| r.render(language))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_as_a_whole_sentence_in_each_language() {
        let refusal = submit(&SubmitError::UnknownRecipient("xx".into()));
        let english = refusal.render(Language::English);
        assert!(
            english.contains("\"xx\" is not a peer of this node"),
            "{english}"
        );
        let russian = refusal.render(Language::Russian);
        assert!(russian.contains("xx"), "{russian}");
        assert!(russian.contains("не является"), "{russian}");
    }

    #[test]
    fn english_only_details_follow_a_headline_in_the_readers_language() {
        let refusal = Sentence::english("reason-malformed", "the request is incomplete: x");
        assert_eq!(
            refusal.render(Language::English),
            "the request is incomplete: x"
        );
        let russian = refusal.render(Language::Russian);
        assert!(
            russian.contains("the request is incomplete: x"),
            "{russian}"
        );
        assert!(!russian.starts_with("the request"), "{russian}");
    }

    #[test]
    fn a_field_too_long_names_the_field_and_the_limit() {
        let refusal = invalid_field("request.subject", "longer than 4096 bytes");
        assert_eq!(refusal.id(), "refusal-field-too-long");
        let russian = refusal.render(Language::Russian);
        assert!(russian.contains("request.subject"), "{russian}");
        assert!(russian.contains("4096"), "{russian}");
    }

    #[test]
    fn a_stored_peer_refusal_reads_back_with_its_reason() {
        let text = PeerRefusal::text("de", "PermissionDenied", "unknown-peer", "who are you: x");
        let refusal = PeerRefusal::parse(&text).expect("a refusal");
        assert_eq!(refusal.peer, "de");
        assert_eq!(refusal.reason, "unknown-peer");
        assert_eq!(refusal.words, "who are you: x");
        let russian = delivery_error(&text, Language::Russian);
        assert!(
            russian.contains(&headline("unknown-peer", Language::Russian)),
            "{russian}"
        );
        assert!(russian.contains("who are you: x"), "{russian}");
        let without = PeerRefusal::text("de", "Internal", "", "oops");
        assert_eq!(PeerRefusal::parse(&without).map(|r| r.reason), Some(""));
        assert_eq!(
            delivery_error("connection refused", Language::Russian),
            "connection refused"
        );
    }

    #[test]
    fn a_status_update_the_lifecycle_refuses_names_what_may_follow_in_each_language() {
        let refusal = submit(&SubmitError::Transition(ThreadError::Transition(
            TransitionError::NotAllowed {
                state: RequestState::Acknowledged,
                status: RequestStatus::Executed,
                by: Side::Requested,
            },
        )));
        let english = refusal.render(Language::English);
        assert_eq!(
            english,
            SubmitError::Transition(ThreadError::Transition(TransitionError::NotAllowed {
                state: RequestState::Acknowledged,
                status: RequestStatus::Executed,
                by: Side::Requested,
            }))
            .to_string()
        );
        let russian = refusal.render(Language::Russian);
        assert!(russian.contains("«исполнена» (executed)"), "{russian}");
        assert!(russian.contains("under-review"), "{russian}");
        let final_state = submit(&SubmitError::Transition(ThreadError::Transition(
            TransitionError::Final {
                state: RequestState::Refused,
            },
        )));
        assert_eq!(
            final_state.render(Language::English),
            "the status update cannot be sent: the request is refused, which is final: no \
             status update may follow it"
        );
    }

    #[test]
    fn an_unknown_token_still_gets_a_headline() {
        assert!(!has_headline("from-a-newer-node"));
        assert_eq!(
            headline("from-a-newer-node", Language::Russian),
            Language::Russian.catalog().text("reason-other", None)
        );
    }
}
