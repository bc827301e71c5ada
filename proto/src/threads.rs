//! A case's thread outside the request lifecycle: its consultation and spontaneous-information
//! messages, and where the thread stands (open, answered, closed by a party).
//!
//! Requests have their lifecycle ([`crate::lifecycle`]); the informal exchange around them has
//! none, but a contact point still needs to know whether it waits for an answer, owes one, or
//! is over. [`summarise`] derives that from the messages alone, ordered by creation time and
//! then message id, so both parties reach the same state once they hold the same messages
//! whatever the order of arrival. The rules (docs/PROTOCOL.md section 3.5):
//!
//! - The first message opens the thread (OPEN, `opened_by` its sender).
//! - A message from another party than the opener makes it ANSWERED.
//! - A consultation with `closes_thread` closes it (CLOSED, `closed_by` its sender). Two closes
//!   that crossed in transit: the first in the order above counts, the other changes nothing.
//! - A message that does not close, after a close, opens the thread again (OPEN, its sender
//!   the new opener): a case is never shut for good to the parties that hold it.
//!
//! No I/O: the node applies this to its stored messages; an auditor can to an exported log.

use crate::v1::{ThreadState, ThreadSummary};

/// What a message of the thread is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadKind {
    Consultation,
    SpontaneousInformation,
}

impl ThreadKind {
    /// The machine value in `ThreadSummary.kind` and `last_kind`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Consultation => "consultation",
            Self::SpontaneousInformation => "spontaneous-information",
        }
    }
}

/// One message of a case's thread outside the lifecycle, as [`summarise`] needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    pub message_id: String,
    /// The party (node id) that sent it.
    pub sender: String,
    pub created_at_ms: i64,
    pub kind: ThreadKind,
    /// A consultation with `closes_thread` set.
    pub closes: bool,
}

/// Where the thread of `messages` (in any order) stands; `None` if there are none.
pub fn summarise(messages: &[ThreadMessage]) -> Option<ThreadSummary> {
    let mut ordered: Vec<&ThreadMessage> = messages.iter().collect();
    ordered.sort_by(|a, b| (a.created_at_ms, &a.message_id).cmp(&(b.created_at_ms, &b.message_id)));
    let first = ordered.first()?;
    let mut summary = ThreadSummary {
        kind: first.kind.name().to_owned(),
        messages: u32::try_from(ordered.len()).unwrap_or(u32::MAX),
        ..Default::default()
    };
    for message in ordered {
        let state = ThreadState::try_from(summary.state).unwrap_or(ThreadState::Unspecified);
        summary.last_message_id.clone_from(&message.message_id);
        summary.last_by.clone_from(&message.sender);
        summary.last_at_ms = message.created_at_ms;
        summary.last_kind = message.kind.name().to_owned();
        match (message.closes, state) {
            // A close that crossed an earlier one changes nothing.
            (true, ThreadState::Closed) => {}
            (true, _) => {
                summary.state = ThreadState::Closed as i32;
                summary.closed_by.clone_from(&message.sender);
                summary.closed_at_ms = message.created_at_ms;
                summary.closing_message_id.clone_from(&message.message_id);
            }
            (false, ThreadState::Unspecified | ThreadState::Closed) => {
                summary.state = ThreadState::Open as i32;
                summary.opened_by.clone_from(&message.sender);
                summary.opened_at_ms = message.created_at_ms;
                summary.closed_by.clear();
                summary.closed_at_ms = 0;
                summary.closing_message_id.clear();
            }
            (false, _) if message.sender != summary.opened_by => {
                summary.state = ThreadState::Answered as i32;
            }
            (false, _) => {}
        }
    }
    Some(summary)
}

/// Whether `thread` is not closed.
pub fn is_live(thread: &ThreadSummary) -> bool {
    matches!(
        ThreadState::try_from(thread.state),
        Ok(ThreadState::Open | ThreadState::Answered)
    )
}

/// Whether party `node_id` owes `thread` an answer: it is not closed and its newest message is
/// a consultation another party wrote. Spontaneous information asks for nothing.
pub fn awaits_answer_from(thread: &ThreadSummary, node_id: &str) -> bool {
    is_live(thread)
        && thread.last_by != node_id
        && thread.last_kind == ThreadKind::Consultation.name()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, sender: &str, at: i64, kind: ThreadKind, closes: bool) -> ThreadMessage {
        ThreadMessage {
            message_id: id.into(),
            sender: sender.into(),
            created_at_ms: at,
            kind,
            closes,
        }
    }

    fn consult(id: &str, sender: &str, at: i64) -> ThreadMessage {
        message(id, sender, at, ThreadKind::Consultation, false)
    }

    fn close(id: &str, sender: &str, at: i64) -> ThreadMessage {
        message(id, sender, at, ThreadKind::Consultation, true)
    }

    fn state(thread: &ThreadSummary) -> ThreadState {
        ThreadState::try_from(thread.state).expect("a known state")
    }

    #[test]
    fn no_message_no_thread() {
        assert_eq!(summarise(&[]), None);
    }

    #[test]
    fn a_consultation_is_open_until_the_other_party_answers_and_never_closed_by_default() {
        let open = summarise(&[consult("A", "tm", 1)]).expect("thread");
        assert_eq!(state(&open), ThreadState::Open);
        assert_eq!(
            (open.opened_by.as_str(), open.kind.as_str()),
            ("tm", "consultation")
        );
        assert!(awaits_answer_from(&open, "de"));
        assert!(!awaits_answer_from(&open, "tm"));

        let answered = summarise(&[consult("B", "de", 2), consult("A", "tm", 1)]).expect("thread");
        assert_eq!(state(&answered), ThreadState::Answered);
        assert_eq!((answered.last_by.as_str(), answered.messages), ("de", 2));
        assert!(awaits_answer_from(&answered, "tm"));
        assert!(!awaits_answer_from(&answered, "de"));
        // The opener writing again keeps it answered; now de owes the answer.
        let again = summarise(&[
            consult("A", "tm", 1),
            consult("B", "de", 2),
            consult("C", "tm", 3),
        ])
        .expect("thread");
        assert_eq!(state(&again), ThreadState::Answered);
        assert!(awaits_answer_from(&again, "de"));
    }

    #[test]
    fn a_close_names_who_closed_it_and_when_and_awaits_nobody() {
        let closed = summarise(&[
            consult("A", "tm", 1),
            consult("B", "de", 2),
            close("C", "de", 3),
        ])
        .expect("thread");
        assert_eq!(state(&closed), ThreadState::Closed);
        assert_eq!(
            (
                closed.closed_by.as_str(),
                closed.closed_at_ms,
                closed.closing_message_id.as_str()
            ),
            ("de", 3, "C")
        );
        assert!(!is_live(&closed));
        assert!(!awaits_answer_from(&closed, "tm"));
        assert!(!awaits_answer_from(&closed, "de"));
    }

    #[test]
    fn crossing_closes_leave_the_first_standing_on_both_nodes() {
        let a = [
            consult("A", "tm", 1),
            close("C", "de", 5),
            close("D", "tm", 5),
        ];
        let b = [
            close("D", "tm", 5),
            close("C", "de", 5),
            consult("A", "tm", 1),
        ];
        let (a, b) = (summarise(&a).expect("a"), summarise(&b).expect("b"));
        assert_eq!(a, b);
        // Same time: the smaller message id counts.
        assert_eq!(
            (a.closed_by.as_str(), a.closing_message_id.as_str()),
            ("de", "C")
        );
    }

    #[test]
    fn a_message_after_a_close_opens_the_thread_again_by_its_sender() {
        let reopened = summarise(&[
            consult("A", "tm", 1),
            close("B", "tm", 2),
            message("C", "de", 3, ThreadKind::SpontaneousInformation, false),
        ])
        .expect("thread");
        assert_eq!(state(&reopened), ThreadState::Open);
        assert_eq!(reopened.opened_by, "de");
        assert!(reopened.closed_by.is_empty());
        // Information asks for no answer.
        assert!(!awaits_answer_from(&reopened, "tm"));
    }

    #[test]
    fn spontaneous_information_opens_a_thread_of_its_own_kind() {
        let thread = summarise(&[message(
            "A",
            "tm",
            1,
            ThreadKind::SpontaneousInformation,
            false,
        )])
        .expect("thread");
        assert_eq!(thread.kind, "spontaneous-information");
        assert_eq!(state(&thread), ThreadState::Open);
        assert!(!awaits_answer_from(&thread, "de"));
    }
}
