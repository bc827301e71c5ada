//! The lifecycle of an MLA request: its states, who may make each transition, and how the
//! thread of status updates on a request yields one state that both of its nodes agree on.
//!
//! [`apply`] is the transition function: from a state, an update made by one side either leads
//! to a new state or is refused with a [`TransitionError`] saying why and what is allowed. The
//! table itself is data, [`TRANSITIONS`]. [`Thread`] holds the updates on one request in the
//! order a node stored them and derives the request's state from them, including when the two
//! sides made transitions at the same time (their updates crossed in transit): every update
//! names the update it followed (`StatusUpdate.previous`), and a fixed precedence decides
//! which of two concurrent transitions counts, so both nodes reach the same state whatever the
//! order of arrival. docs/PROTOCOL.md section 3.4 specifies all of it for other implementations.
//!
//! No I/O: the node applies this to its store before signing and after receiving; an auditor can
//! replay a thread from an exported log with the same code.

use std::fmt;

use crate::v1::{RefusalGround, RequestState, RequestStatus, StatusUpdate};

/// The two parties to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The state that sent the request: it supplements, withdraws and closes.
    Requesting,
    /// The state the request is addressed to: it acknowledges, assesses and executes.
    Requested,
}

impl Side {
    pub fn other(self) -> Self {
        match self {
            Self::Requesting => Self::Requested,
            Self::Requested => Self::Requesting,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Requesting => "requesting side",
            Self::Requested => "requested side",
        })
    }
}

use RequestState as St;
use RequestStatus as S;

/// What the requested side may decide while it assesses a request.
const ASSESS: &[RequestStatus] = &[
    S::UnderReview,
    S::AdditionalInformationRequested,
    S::Consultation,
    S::Accepted,
    S::Postponed,
    S::Refused,
];

/// The transitions: for each state that is not final, the statuses the requested side and the
/// requesting side may send, in protocol order. A state not listed (REFUSED, WITHDRAWN, CLOSED) is final.
/// SUBMITTED is the requesting node's name for DELIVERED before it holds the receipt; the two
/// allow the same transitions.
pub const TRANSITIONS: &[(RequestState, &[RequestStatus], &[RequestStatus])] = &[
    // (state, requested side may send, requesting side may send)
    (St::Submitted, &[S::Acknowledged], &[S::Withdrawn]),
    (St::Delivered, &[S::Acknowledged], &[S::Withdrawn]),
    (St::Acknowledged, ASSESS, &[S::Withdrawn]),
    (St::UnderReview, ASSESS, &[S::Withdrawn]),
    (
        St::AdditionalInformationRequested,
        ASSESS,
        &[S::Withdrawn, S::Supplemented],
    ),
    (St::Supplemented, ASSESS, &[S::Withdrawn, S::Supplemented]),
    (St::Consultation, ASSESS, &[S::Withdrawn, S::Supplemented]),
    (
        St::Accepted,
        &[S::Postponed, S::InExecution],
        &[S::Withdrawn],
    ),
    (
        St::Postponed,
        &[S::UnderReview, S::Accepted, S::Refused, S::InExecution],
        &[S::Withdrawn],
    ),
    (
        St::InExecution,
        &[S::Postponed, S::PartiallyExecuted, S::Executed],
        &[S::Withdrawn],
    ),
    (
        St::PartiallyExecuted,
        &[S::InExecution, S::PartiallyExecuted, S::Executed],
        &[S::Withdrawn],
    ),
    (St::Executed, &[], &[S::Closed]),
];

/// The side entitled to send `status`: each status belongs to exactly one side.
pub fn entitled(status: RequestStatus) -> Option<Side> {
    match status {
        S::Unspecified => None,
        S::Supplemented | S::Withdrawn | S::Closed => Some(Side::Requesting),
        S::Acknowledged
        | S::UnderReview
        | S::AdditionalInformationRequested
        | S::Consultation
        | S::Accepted
        | S::Postponed
        | S::Refused
        | S::InExecution
        | S::PartiallyExecuted
        | S::Executed => Some(Side::Requested),
    }
}

/// The statuses `by` may send when the request is in `state` (empty if none).
pub fn allowed(state: RequestState, by: Side) -> &'static [RequestStatus] {
    TRANSITIONS
        .iter()
        .find(|(from, _, _)| *from == state)
        .map_or(&[], |(_, requested, requesting)| match by {
            Side::Requested => requested,
            Side::Requesting => requesting,
        })
}

/// Whether no transition may follow `state`.
pub fn is_final(state: RequestState) -> bool {
    matches!(state, St::Refused | St::Withdrawn | St::Closed)
}

/// The state a transition to `status` leads to: the state of the same name.
pub fn state_after(status: RequestStatus) -> RequestState {
    match status {
        S::Unspecified => St::Unspecified,
        S::Acknowledged => St::Acknowledged,
        S::UnderReview => St::UnderReview,
        S::AdditionalInformationRequested => St::AdditionalInformationRequested,
        S::Consultation => St::Consultation,
        S::Accepted => St::Accepted,
        S::Postponed => St::Postponed,
        S::Refused => St::Refused,
        S::InExecution => St::InExecution,
        S::PartiallyExecuted => St::PartiallyExecuted,
        S::Executed => St::Executed,
        S::Withdrawn => St::Withdrawn,
        S::Closed => St::Closed,
        S::Supplemented => St::Supplemented,
    }
}

/// Why a transition is refused. The messages are for the contact point who tried it (the
/// sender's node) and for the peer whose update was refused (the receiving node).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    #[error("status {0} is not a status this node knows (a status is required)")]
    UnknownStatus(i32),
    #[error("refusal ground {0} is not a ground this node knows")]
    UnknownGround(i32),
    #[error("the request's state {0} is not a lifecycle state")]
    UnknownState(i32),
    #[error(
        "only the {entitled} may report {status}, and this update would come from the {by}",
        status = status_name(*.status)
    )]
    NotEntitled {
        status: RequestStatus,
        by: Side,
        entitled: Side,
    },
    #[error(
        "the request is {state}, which is final: no status update may follow it",
        state = state_name(*.state)
    )]
    Final { state: RequestState },
    #[error("{}", not_allowed_text(*.state, *.status, *.by))]
    NotAllowed {
        state: RequestState,
        status: RequestStatus,
        by: Side,
    },
    #[error(
        "a refusal must name its ground, one of UNTOC art. 18(21) (a) to (d): {}",
        ground_names()
    )]
    MissingGround,
    #[error(
        "only a refusal names a ground; {status} must not (it names {ground})",
        status = status_name(*.status),
        ground = ground_name(*.ground)
    )]
    UnexpectedGround {
        status: RequestStatus,
        ground: RefusalGround,
    },
    #[error("a refusal must give its reasons in the note (UNTOC art. 18(23))")]
    MissingReasons,
}

fn not_allowed_text(state: RequestState, status: RequestStatus, by: Side) -> String {
    let listed = |side| {
        let names: Vec<String> = allowed(state, side)
            .iter()
            .map(|s| status_name(*s))
            .collect();
        names.join(", ")
    };
    let state = state_name(state);
    let mine = listed(by);
    let theirs = listed(by.other());
    let next = match (mine.is_empty(), theirs.is_empty()) {
        (false, _) => format!("the {by} may send: {mine}"),
        (true, false) => format!(
            "the {by} may send nothing; the {} may send: {theirs}",
            by.other()
        ),
        (true, true) => "no transition may follow".to_owned(),
    };
    format!(
        "{} cannot follow {state}: from {state} {next}",
        status_name(status)
    )
}

/// The transition function: the state the request is in after `by` sends `update` in `state`.
///
/// The checks, in this order: the status and ground are known values; `by` is the side
/// entitled to the status; `state` is not final; the table allows the status from `state`;
/// a refusal, and only a refusal, names a ground; a refusal gives its reasons in the note.
pub fn apply(
    state: RequestState,
    by: Side,
    update: &StatusUpdate,
) -> Result<RequestState, TransitionError> {
    if state == St::Unspecified {
        return Err(TransitionError::UnknownState(state as i32));
    }
    let status = RequestStatus::try_from(update.status)
        .ok()
        .filter(|s| *s != S::Unspecified)
        .ok_or(TransitionError::UnknownStatus(update.status))?;
    let ground = RefusalGround::try_from(update.ground)
        .map_err(|_| TransitionError::UnknownGround(update.ground))?;
    let entitled = entitled(status).ok_or(TransitionError::UnknownStatus(update.status))?;
    if entitled != by {
        return Err(TransitionError::NotEntitled {
            status,
            by,
            entitled,
        });
    }
    if is_final(state) {
        return Err(TransitionError::Final { state });
    }
    if !allowed(state, by).contains(&status) {
        return Err(TransitionError::NotAllowed { state, status, by });
    }
    match (status, ground) {
        (S::Refused, RefusalGround::Unspecified) => return Err(TransitionError::MissingGround),
        (S::Refused, _) | (_, RefusalGround::Unspecified) => {}
        (status, ground) => return Err(TransitionError::UnexpectedGround { status, ground }),
    }
    if status == S::Refused && update.note.trim().is_empty() {
        return Err(TransitionError::MissingReasons);
    }
    Ok(state_after(status))
}

/// One status update of a thread, as a node holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub message_id: String,
    /// The update it followed (`StatusUpdate.previous`); empty for none.
    pub previous: String,
    pub by: Side,
    pub status: RequestStatus,
    /// The state it leads to from the state of the update it followed.
    pub state_after: RequestState,
    /// Made concurrently with a transition that takes precedence: it is part of the thread
    /// (stored, receipted) but did not change the request's state.
    pub superseded: bool,
}

/// What adding an update to a thread did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The state it leads to (the request's new state unless `superseded`).
    pub state_after: RequestState,
    /// It lost to a concurrent transition and did not change the state.
    pub superseded: bool,
    /// Earlier updates it displaced (they are superseded now), newest first.
    pub displaced: Vec<String>,
    /// Earlier updates of its own sender that were superseded and count again, newest first.
    pub reinstated: Vec<String>,
}

/// Why an update cannot join a thread.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ThreadError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("status update {message_id} is already part of the request's thread")]
    Repeated { message_id: String },
    #[error("it follows status update {previous}, which is not part of the request's thread")]
    UnknownPrevious { previous: String },
    #[error(
        "it follows {previous}, but its own sender had made {own} after that: a sender cannot \
         have missed its own transition"
    )]
    IgnoresOwn { previous: String, own: String },
    #[error(
        "it follows {previous}, a transition the other side's concurrent one displaced, which \
         its sender could not have built on"
    )]
    OffLine { previous: String },
}

/// The status updates on one request, in the order a node stored them, and the state they
/// yield.
///
/// The updates that count form a line from the request to the head; each names the one before
/// it (`previous`). A node adds its own update at the head. When an update from the other side
/// names an earlier update than the head, the two sides made transitions concurrently, each
/// without knowing the other's; the branch with a withdrawal takes precedence (the requesting
/// side no longer wants the assistance, whatever was decided meanwhile), otherwise the
/// requested side's branch does. The losing branch stays in the thread, superseded. Both nodes
/// apply the same rule to the same two branches, so they reach the same line and state
/// whichever update arrives first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    initial: RequestState,
    steps: Vec<Step>,
    state: RequestState,
    head: String,
}

impl Thread {
    /// A thread with no update yet. `delivered` is false on the requesting node until it holds
    /// the requested node's receipt for the request (state SUBMITTED), true otherwise.
    pub fn new(delivered: bool) -> Self {
        let initial = if delivered {
            St::Delivered
        } else {
            St::Submitted
        };
        Self {
            initial,
            steps: Vec::new(),
            state: initial,
            head: String::new(),
        }
    }

    /// The requested node's receipt for the request arrived: SUBMITTED becomes DELIVERED.
    pub fn mark_delivered(&mut self) {
        self.initial = St::Delivered;
        if self.state == St::Submitted {
            self.state = St::Delivered;
        }
    }

    /// Where the request stands.
    pub fn state(&self) -> RequestState {
        self.state
    }

    /// The last update that counts (empty if none): what a new update of this node follows.
    pub fn head(&self) -> &str {
        &self.head
    }

    /// Every update, in the order they were added.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn step(&self, message_id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.message_id == message_id)
    }

    fn step_mut(&mut self, message_id: &str) -> Option<&mut Step> {
        self.steps.iter_mut().find(|s| s.message_id == message_id)
    }

    /// What `by` may send now.
    pub fn allowed(&self, by: Side) -> &'static [RequestStatus] {
        allowed(self.state, by)
    }

    /// Adds update `message_id`, made by `by`, to the thread: the node's own before it signs
    /// it (its `previous` must be [`Thread::head`]), or one received from the other side.
    /// Nothing changes if it is refused.
    pub fn add(
        &mut self,
        message_id: &str,
        by: Side,
        update: &StatusUpdate,
    ) -> Result<Added, ThreadError> {
        if self.step(message_id).is_some() {
            return Err(ThreadError::Repeated {
                message_id: message_id.to_owned(),
            });
        }
        let base = if update.previous.is_empty() {
            self.initial
        } else {
            self.step(&update.previous)
                .ok_or_else(|| ThreadError::UnknownPrevious {
                    previous: update.previous.clone(),
                })?
                .state_after
        };
        let state_after = apply(base, by, update)?;
        let status = RequestStatus::try_from(update.status)
            .map_err(|_| TransitionError::UnknownStatus(update.status))?;
        let mut added = Added {
            state_after,
            superseded: false,
            displaced: Vec::new(),
            reinstated: Vec::new(),
        };
        if update.previous != self.head {
            let (own, other) = self.branches(by, &update.previous)?;
            let other_withdrew = other
                .iter()
                .any(|id| self.step(id).is_some_and(|s| s.status == S::Withdrawn));
            let wins = if status == S::Withdrawn {
                true
            } else if other_withdrew {
                false
            } else {
                by == Side::Requested
            };
            if wins {
                for id in &other {
                    if let Some(step) = self.step_mut(id) {
                        step.superseded = true;
                    }
                }
                for id in &own {
                    if let Some(step) = self.step_mut(id) {
                        step.superseded = false;
                    }
                }
                added.displaced = other;
                added.reinstated = own;
            } else {
                added.superseded = true;
            }
        }
        self.steps.push(Step {
            message_id: message_id.to_owned(),
            previous: update.previous.clone(),
            by,
            status,
            state_after,
            superseded: added.superseded,
        });
        if !added.superseded {
            self.state = state_after;
            self.head = message_id.to_owned();
        }
        Ok(added)
    }

    /// The two branches of a fork, for an update by `by` that follows `previous`, not the head:
    /// its sender's own superseded updates back to the fork point, and the line from the head
    /// back to the fork point, which must hold only the other side's updates.
    fn branches(
        &self,
        by: Side,
        previous: &str,
    ) -> Result<(Vec<String>, Vec<String>), ThreadError> {
        let off_line = || ThreadError::OffLine {
            previous: previous.to_owned(),
        };
        let mut own = Vec::new();
        let mut fork = previous.to_owned();
        while let Some(step) = self.step(&fork).filter(|s| s.superseded) {
            if step.by != by {
                return Err(off_line());
            }
            own.push(step.message_id.clone());
            fork = step.previous.clone();
        }
        let mut other = Vec::new();
        let mut cursor = self.head.clone();
        while cursor != fork {
            let step = self.step(&cursor).ok_or_else(off_line)?;
            if step.by == by {
                return Err(ThreadError::IgnoresOwn {
                    previous: previous.to_owned(),
                    own: step.message_id.clone(),
                });
            }
            other.push(cursor.clone());
            cursor = step.previous.clone();
        }
        Ok((own, other))
    }
}

/// The user-facing name of a status, as `rogatory status send --status` takes it.
pub fn status_name(status: RequestStatus) -> String {
    term(status.as_str_name(), "REQUEST_STATUS_")
}

/// The user-facing name of a state.
pub fn state_name(state: RequestState) -> String {
    term(state.as_str_name(), "REQUEST_STATE_")
}

/// The user-facing name of a refusal ground, as `rogatory status send --ground` takes it.
pub fn ground_name(ground: RefusalGround) -> String {
    term(ground.as_str_name(), "REFUSAL_GROUND_")
}

fn ground_names() -> String {
    [
        RefusalGround::NotInConformity,
        RefusalGround::EssentialInterests,
        RefusalGround::ProhibitedByDomesticLaw,
        RefusalGround::ContraryToLegalSystem,
    ]
    .iter()
    .map(|g| ground_name(*g))
    .collect::<Vec<_>>()
    .join(", ")
}

fn term(proto_name: &str, prefix: &str) -> String {
    proto_name
        .strip_prefix(prefix)
        .unwrap_or(proto_name)
        .to_ascii_lowercase()
        .replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statuses in the column order of [`EXPECTED`].
    const COLUMNS: [RequestStatus; 13] = [
        S::Acknowledged,
        S::UnderReview,
        S::AdditionalInformationRequested,
        S::Consultation,
        S::Accepted,
        S::Postponed,
        S::Refused,
        S::InExecution,
        S::PartiallyExecuted,
        S::Executed,
        S::Withdrawn,
        S::Closed,
        S::Supplemented,
    ];

    /// The whole state machine, written out by hand: for each state, the outcome of each status
    /// (columns as in [`COLUMNS`]) sent by the requested side, then by the requesting side.
    /// `Y` allowed, `.` not allowed from this state, `E` not entitled (the other side's status),
    /// `F` the state is final.
    #[rustfmt::skip]
    const EXPECTED: &[(RequestState, &str, &str)] = &[
        //                                ack rev air con acc pos ref exe par exd wdr clo sup
        (St::Submitted,                  "Y   .   .   .   .   .   .   .   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   ."),
        (St::Delivered,                  "Y   .   .   .   .   .   .   .   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   ."),
        (St::Acknowledged,               ".   Y   Y   Y   Y   Y   Y   .   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   ."),
        (St::UnderReview,                ".   Y   Y   Y   Y   Y   Y   .   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   ."),
        (St::AdditionalInformationRequested,
                                         ".   Y   Y   Y   Y   Y   Y   .   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   Y"),
        (St::Supplemented,               ".   Y   Y   Y   Y   Y   Y   .   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   Y"),
        (St::Consultation,               ".   Y   Y   Y   Y   Y   Y   .   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   Y"),
        (St::Accepted,                   ".   .   .   .   .   Y   .   Y   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   ."),
        (St::Postponed,                  ".   Y   .   .   Y   .   Y   Y   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   ."),
        (St::InExecution,                ".   .   .   .   .   Y   .   .   Y   Y   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   ."),
        (St::PartiallyExecuted,          ".   .   .   .   .   .   .   Y   Y   Y   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   Y   .   ."),
        (St::Executed,                   ".   .   .   .   .   .   .   .   .   .   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   .   Y   ."),
        (St::Refused,                    "F   F   F   F   F   F   F   F   F   F   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   F   F   F"),
        (St::Withdrawn,                  "F   F   F   F   F   F   F   F   F   F   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   F   F   F"),
        (St::Closed,                     "F   F   F   F   F   F   F   F   F   F   E   E   E",
                                         "E   E   E   E   E   E   E   E   E   E   F   F   F"),
    ];

    /// Where each status leads, written out by hand.
    const LEADS_TO: [(RequestStatus, RequestState); 13] = [
        (S::Acknowledged, St::Acknowledged),
        (S::UnderReview, St::UnderReview),
        (
            S::AdditionalInformationRequested,
            St::AdditionalInformationRequested,
        ),
        (S::Consultation, St::Consultation),
        (S::Accepted, St::Accepted),
        (S::Postponed, St::Postponed),
        (S::Refused, St::Refused),
        (S::InExecution, St::InExecution),
        (S::PartiallyExecuted, St::PartiallyExecuted),
        (S::Executed, St::Executed),
        (S::Withdrawn, St::Withdrawn),
        (S::Closed, St::Closed),
        (S::Supplemented, St::Supplemented),
    ];

    /// A well-formed update: a refusal names a ground and gives reasons.
    fn update(status: RequestStatus) -> StatusUpdate {
        let refusal = status == S::Refused;
        StatusUpdate {
            status: status as i32,
            ground: if refusal {
                RefusalGround::EssentialInterests as i32
            } else {
                0
            },
            note: if refusal {
                "Reasons.".into()
            } else {
                String::new()
            },
            ..Default::default()
        }
    }

    fn after(update: StatusUpdate, previous: &str) -> StatusUpdate {
        StatusUpdate {
            previous: previous.to_owned(),
            ..update
        }
    }

    fn outcomes(row: &str) -> Vec<char> {
        row.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn every_state_status_and_side_has_the_expected_outcome() {
        let mut states: Vec<RequestState> = EXPECTED.iter().map(|(s, _, _)| *s).collect();
        states.sort_by_key(|s| *s as i32);
        let every_state: Vec<RequestState> = (1..=15)
            .map(|n| RequestState::try_from(n).expect("a state"))
            .collect();
        assert_eq!(states, every_state, "the table covers every state once");
        let mut checked = 0;
        for (state, requested, requesting) in EXPECTED {
            for (by, row) in [(Side::Requested, requested), (Side::Requesting, requesting)] {
                let row = outcomes(row);
                assert_eq!(row.len(), COLUMNS.len(), "{state:?} {by}");
                for (status, expected) in COLUMNS.iter().zip(row) {
                    let result = apply(*state, by, &update(*status));
                    let case = format!("{state:?} + {status:?} by the {by}: {result:?}");
                    match expected {
                        'Y' => {
                            let leads_to = LEADS_TO
                                .iter()
                                .find(|(s, _)| s == status)
                                .map(|(_, state)| *state);
                            assert_eq!(result.ok(), leads_to, "{case}");
                        }
                        '.' => assert!(
                            matches!(result, Err(TransitionError::NotAllowed { .. })),
                            "{case}"
                        ),
                        'E' => assert!(
                            matches!(result, Err(TransitionError::NotEntitled { .. })),
                            "{case}"
                        ),
                        'F' => assert!(
                            matches!(result, Err(TransitionError::Final { .. })),
                            "{case}"
                        ),
                        other => panic!("bad table entry {other:?}"),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 15 * 13 * 2);
    }

    #[test]
    fn unknown_values_are_refused() {
        let mut bad = update(S::Acknowledged);
        bad.status = 0;
        assert_eq!(
            apply(St::Delivered, Side::Requested, &bad),
            Err(TransitionError::UnknownStatus(0))
        );
        bad.status = 99;
        assert_eq!(
            apply(St::Delivered, Side::Requested, &bad),
            Err(TransitionError::UnknownStatus(99))
        );
        let mut bad = update(S::Refused);
        bad.ground = 9;
        assert_eq!(
            apply(St::UnderReview, Side::Requested, &bad),
            Err(TransitionError::UnknownGround(9))
        );
        assert_eq!(
            apply(St::Unspecified, Side::Requested, &update(S::Acknowledged)),
            Err(TransitionError::UnknownState(0))
        );
    }

    #[test]
    fn a_refusal_needs_a_ground_and_reasons_and_nothing_else_names_a_ground() {
        let mut refusal = update(S::Refused);
        refusal.ground = 0;
        let err = apply(St::UnderReview, Side::Requested, &refusal).expect_err("no ground");
        assert_eq!(err, TransitionError::MissingGround);
        assert!(
            err.to_string().contains(
                "not-in-conformity, essential-interests, prohibited-by-domestic-law, \
                 contrary-to-legal-system"
            ),
            "{err}"
        );
        let mut refusal = update(S::Refused);
        refusal.note = "  ".into();
        assert_eq!(
            apply(St::UnderReview, Side::Requested, &refusal),
            Err(TransitionError::MissingReasons)
        );
        for ground in [
            RefusalGround::NotInConformity,
            RefusalGround::EssentialInterests,
            RefusalGround::ProhibitedByDomesticLaw,
            RefusalGround::ContraryToLegalSystem,
        ] {
            let mut refusal = update(S::Refused);
            refusal.ground = ground as i32;
            assert_eq!(
                apply(St::Consultation, Side::Requested, &refusal),
                Ok(St::Refused)
            );
        }
        let mut accepted = update(S::Accepted);
        accepted.ground = RefusalGround::NotInConformity as i32;
        assert_eq!(
            apply(St::UnderReview, Side::Requested, &accepted),
            Err(TransitionError::UnexpectedGround {
                status: S::Accepted,
                ground: RefusalGround::NotInConformity
            })
        );
        // A disallowed refusal is refused for the transition, not for its missing ground.
        let mut refusal = update(S::Refused);
        refusal.ground = 0;
        assert!(matches!(
            apply(St::Executed, Side::Requested, &refusal),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn errors_say_who_may_do_what() {
        let err = apply(St::UnderReview, Side::Requesting, &update(S::Accepted)).expect_err("");
        assert_eq!(
            err.to_string(),
            "only the requested side may report accepted, and this update would come from the \
             requesting side"
        );
        let err = apply(St::Accepted, Side::Requested, &update(S::Executed)).expect_err("");
        assert_eq!(
            err.to_string(),
            "executed cannot follow accepted: from accepted the requested side may send: \
             postponed, in-execution"
        );
        let err = apply(St::Executed, Side::Requested, &update(S::InExecution)).expect_err("");
        assert_eq!(
            err.to_string(),
            "in-execution cannot follow executed: from executed the requested side may send \
             nothing; the requesting side may send: closed"
        );
        let err = apply(St::Withdrawn, Side::Requested, &update(S::Accepted)).expect_err("");
        assert_eq!(
            err.to_string(),
            "the request is withdrawn, which is final: no status update may follow it"
        );
    }

    #[test]
    fn a_thread_follows_its_line() {
        let mut thread = Thread::new(false);
        assert_eq!(thread.state(), St::Submitted);
        let path = [
            ("A", Side::Requested, S::Acknowledged),
            ("B", Side::Requested, S::UnderReview),
            ("C", Side::Requested, S::AdditionalInformationRequested),
            ("D", Side::Requesting, S::Supplemented),
            ("E", Side::Requested, S::Accepted),
            ("F", Side::Requested, S::InExecution),
            ("G", Side::Requested, S::Executed),
            ("H", Side::Requesting, S::Closed),
        ];
        for (id, by, status) in path {
            let previous = thread.head().to_owned();
            let added = thread
                .add(id, by, &after(update(status), &previous))
                .expect(id);
            assert!(!added.superseded && added.displaced.is_empty());
            assert_eq!(thread.head(), id);
        }
        assert_eq!(thread.state(), St::Closed);
        thread.mark_delivered();
        assert_eq!(thread.state(), St::Closed);
        assert_eq!(thread.steps().len(), 8);
        // A refused update changes nothing.
        let before = thread.clone();
        let err = thread
            .add("I", Side::Requested, &after(update(S::Accepted), "H"))
            .expect_err("final");
        assert!(matches!(
            err,
            ThreadError::Transition(TransitionError::Final { .. })
        ));
        assert_eq!(thread, before);
        let err = thread
            .add("H", Side::Requesting, &after(update(S::Closed), "G"))
            .expect_err("repeat");
        assert!(matches!(err, ThreadError::Repeated { .. }));
        let err = thread
            .add("I", Side::Requested, &after(update(S::Accepted), "Z"))
            .expect_err("unknown");
        assert!(matches!(err, ThreadError::UnknownPrevious { .. }));
    }

    #[test]
    fn submitted_becomes_delivered_and_allows_the_same() {
        let mut thread = Thread::new(false);
        assert_eq!(thread.allowed(Side::Requested), &[S::Acknowledged]);
        thread.mark_delivered();
        assert_eq!(thread.state(), St::Delivered);
        // An acknowledgement may reach the requesting node before the receipt does.
        let mut early = Thread::new(false);
        early
            .add("A", Side::Requested, &update(S::Acknowledged))
            .expect("ack");
        early.mark_delivered();
        assert_eq!(early.state(), St::Acknowledged);
    }

    /// Two nodes' copies of one thread, and the updates in transit between them.
    struct Pair {
        requesting: Thread,
        requested: Thread,
        to_requested: Vec<(String, StatusUpdate)>,
        to_requesting: Vec<(String, StatusUpdate)>,
    }

    impl Pair {
        fn new() -> Self {
            Self {
                requesting: Thread::new(true),
                requested: Thread::new(true),
                to_requested: Vec::new(),
                to_requesting: Vec::new(),
            }
        }

        /// `by` makes a transition: checked against its own copy, then sent.
        fn send(&mut self, id: &str, by: Side, status: RequestStatus) {
            let (own, queue) = match by {
                Side::Requesting => (&mut self.requesting, &mut self.to_requested),
                Side::Requested => (&mut self.requested, &mut self.to_requesting),
            };
            let update = after(update(status), own.head());
            own.add(id, by, &update).expect(id);
            queue.push((id.to_owned(), update));
        }

        /// The oldest update in transit to `to` arrives (each direction keeps its order).
        fn deliver(&mut self, to: Side) -> Added {
            let (thread, queue) = match to {
                Side::Requesting => (&mut self.requesting, &mut self.to_requesting),
                Side::Requested => (&mut self.requested, &mut self.to_requested),
            };
            let (id, update) = queue.remove(0);
            thread.add(&id, to.other(), &update).expect(&id)
        }

        fn agree(&self) -> RequestState {
            assert!(self.to_requested.is_empty() && self.to_requesting.is_empty());
            assert_eq!(self.requesting.state(), self.requested.state());
            assert_eq!(self.requesting.head(), self.requested.head());
            let flags = |t: &Thread| {
                let mut f: Vec<(String, bool)> = t
                    .steps()
                    .iter()
                    .map(|s| (s.message_id.clone(), s.superseded))
                    .collect();
                f.sort();
                f
            };
            assert_eq!(flags(&self.requesting), flags(&self.requested));
            self.requesting.state()
        }
    }

    #[test]
    fn a_withdrawal_crossing_a_refusal_wins_on_both_nodes() {
        for requested_first in [true, false] {
            let mut pair = Pair::new();
            pair.send("A", Side::Requested, S::Acknowledged);
            pair.deliver(Side::Requesting);
            pair.send("B", Side::Requested, S::Refused);
            pair.send("W", Side::Requesting, S::Withdrawn);
            if requested_first {
                let added = pair.deliver(Side::Requested);
                assert_eq!(added.displaced, ["B"]);
                assert!(pair.deliver(Side::Requesting).superseded);
            } else {
                assert!(pair.deliver(Side::Requesting).superseded);
                assert_eq!(pair.deliver(Side::Requested).displaced, ["B"]);
            }
            assert_eq!(pair.agree(), St::Withdrawn);
            assert_eq!(pair.requested.head(), "W");
        }
    }

    #[test]
    fn a_withdrawal_displaces_a_run_of_the_requested_sides_transitions() {
        let mut pair = Pair::new();
        pair.send("A", Side::Requested, S::Acknowledged);
        pair.deliver(Side::Requesting);
        pair.send("B", Side::Requested, S::Accepted);
        pair.send("C", Side::Requested, S::InExecution);
        pair.send("W", Side::Requesting, S::Withdrawn);
        assert!(pair.deliver(Side::Requesting).superseded);
        assert_eq!(pair.deliver(Side::Requested).displaced, ["C", "B"]);
        assert!(pair.deliver(Side::Requesting).superseded);
        assert_eq!(pair.agree(), St::Withdrawn);
    }

    #[test]
    fn the_requested_side_wins_a_crossing_without_withdrawal_and_a_later_withdrawal_still_wins() {
        // A supplement crosses a refusal: the refusal counts on both nodes.
        let mut pair = Pair::new();
        pair.send("A", Side::Requested, S::Acknowledged);
        pair.send("B", Side::Requested, S::AdditionalInformationRequested);
        pair.deliver(Side::Requesting);
        pair.deliver(Side::Requesting);
        pair.send("S", Side::Requesting, S::Supplemented);
        pair.send("R", Side::Requested, S::Refused);
        assert_eq!(pair.deliver(Side::Requesting).displaced, ["S"]);
        assert!(pair.deliver(Side::Requested).superseded);
        assert_eq!(pair.agree(), St::Refused);

        // The same, but the requesting side also withdrew after its supplement: the
        // withdrawal's branch (supplement, withdrawal) counts on both nodes.
        let mut pair = Pair::new();
        pair.send("A", Side::Requested, S::Acknowledged);
        pair.send("B", Side::Requested, S::AdditionalInformationRequested);
        pair.deliver(Side::Requesting);
        pair.deliver(Side::Requesting);
        pair.send("S", Side::Requesting, S::Supplemented);
        pair.send("W", Side::Requesting, S::Withdrawn);
        pair.send("R", Side::Requested, S::Refused);
        assert!(pair.deliver(Side::Requested).superseded);
        let added = pair.deliver(Side::Requested);
        assert_eq!(
            (added.displaced, added.reinstated),
            (vec!["R".into()], vec!["S".into()])
        );
        assert!(pair.deliver(Side::Requesting).superseded);
        assert_eq!(pair.agree(), St::Withdrawn);
        let line: Vec<&str> = pair
            .requested
            .steps()
            .iter()
            .filter(|s| !s.superseded)
            .map(|s| s.message_id.as_str())
            .collect();
        assert_eq!(line, ["A", "B", "S", "W"]);
    }

    #[test]
    fn an_update_that_ignores_its_senders_own_transition_is_refused() {
        let mut thread = Thread::new(true);
        thread
            .add("A", Side::Requested, &update(S::Acknowledged))
            .expect("A");
        thread
            .add("B", Side::Requested, &after(update(S::UnderReview), "A"))
            .expect("B");
        // The requested side cannot claim not to have known its own B.
        let err = thread
            .add("C", Side::Requested, &after(update(S::Accepted), "A"))
            .expect_err("ignores B");
        assert_eq!(
            err,
            ThreadError::IgnoresOwn {
                previous: "A".into(),
                own: "B".into()
            }
        );
        // A requesting-side transition that is valid from A but concurrent with B is a
        // withdrawal or loses; one that is invalid from A is refused outright.
        let err = thread
            .add("D", Side::Requesting, &after(update(S::Supplemented), "A"))
            .expect_err("not from acknowledged");
        assert!(matches!(
            err,
            ThreadError::Transition(TransitionError::NotAllowed { .. })
        ));
        let added = thread
            .add("W", Side::Requesting, &after(update(S::Withdrawn), "A"))
            .expect("withdrawal");
        assert_eq!(added.displaced, ["B"]);
        // The requested side may have built on its B before the withdrawal reached it: that
        // update loses too.
        let added = thread
            .add("E", Side::Requested, &after(update(S::Accepted), "B"))
            .expect("concurrent with the withdrawal");
        assert!(added.superseded);
        // But the requesting side cannot have built on B, which it never held on its line.
        let err = thread
            .add("F", Side::Requesting, &after(update(S::Withdrawn), "B"))
            .expect_err("off the line");
        assert!(matches!(err, ThreadError::OffLine { .. }));
        assert_eq!(thread.state(), St::Withdrawn);
    }
}
