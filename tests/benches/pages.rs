//! Benchmark of the pages a contact point reads most (`cargo bench -p rogatory-tests --bench
//! pages`, `-- --quick` for a short run): the case list, filtered or not, first page and a later
//! one; the attention list of a reader with 500 messages unread; a search of a common word.
//!
//! Fills a real store (sled and the journal, as a node writes them: each message's log entry
//! and record, with its index entries, in one batch) with 100,000 messages in 10,000 cases with
//! 8 peers: per case a request (urgent one time in ten), 1 to 3 status updates, and
//! consultations up to ten messages. Then measures, in the same run, each page as the node
//! answers it (from its indexes) against its full-scan baseline (every stored message read).
//! Each figure is a median (the index: 25 runs, the scan: 3), after one warm-up run each. Also
//! measures the one-time cost of building the case-list index at open (a store made before it).

use std::time::{Duration, Instant};

use rogatory_node::rules::cases::CaseFilter;
use rogatory_node::storage::attention::{self, Judged};
use rogatory_node::storage::cases::{list_cases, list_cases_scan};
use rogatory_node::storage::search::{self, Query};
use rogatory_node::storage::store::{CasePosition, Store};
use rogatory_proto::deadlines::DeadlinePolicy;
use rogatory_proto::ids::{MessageIdGenerator, NodeId};
use rogatory_proto::v1::{
    Consultation, Direction, Envelope, MlaRequest, RequestState, RequestStatus, StatusUpdate,
    Urgency, envelope,
};
use rogatory_tests::bench_store::{Planned, median as time, ms, store_all};

const OWN: &str = "tm";
const PEERS: [&str; 8] = ["de", "uz", "kz", "kg", "tj", "az", "ge", "am"];
/// Messages per case: 100,000 messages in 10,000 cases.
const PER_CASE: usize = 10;
/// Messages per store write while filling: a node's busy paths group commits the same way.
const FILL_PER_WRITE: usize = 250;
/// Cases per page, as the console shows them.
const PAGE: usize = 50;
/// The later page measured (the 20th).
const LATER_PAGE: usize = 20;
/// Received messages the reader has not seen.
const UNREAD: usize = 500;
const SUBJECTS: &[&str] = &[
    "Мошенничество с банковскими картами",
    "Торговля людьми в целях эксплуатации труда",
    "Legalisation of proceeds of crime through real estate",
    "Незаконный оборот наркотических средств",
    "Trafficking in persons for labour exploitation",
];

fn plan_case(case: usize, ids: &MessageIdGenerator, at_ms: i64) -> Vec<Planned> {
    let peer = PEERS[case % PEERS.len()];
    let (requester, requested) = if case % 2 == 0 {
        (OWN, peer)
    } else {
        (peer, OWN)
    };
    let direction_of = |sender: &str| {
        if sender == OWN {
            Direction::Outbox
        } else {
            Direction::Inbox
        }
    };
    let id_of = |author: &str| ids.next_id(&NodeId::parse(author).expect("node id"));
    let case_id = format!("{requester}-{}", id_of(requester));
    let envelope = |id: String, sender: &str, recipient: &str, at: i64, body| Envelope {
        version: 1,
        message_id: id,
        sender: sender.into(),
        recipient: recipient.into(),
        created_at_ms: at,
        case_id: case_id.clone(),
        copies_to: Vec::new(),
        body: Some(body),
    };
    let updates = 1 + case % 3;
    let states = [
        RequestState::Acknowledged,
        RequestState::UnderReview,
        RequestState::Executed,
    ];
    let request_id = id_of(requester);
    let mut out = vec![Planned {
        envelope: envelope(
            request_id.clone(),
            requester,
            requested,
            at_ms,
            envelope::Body::MlaRequest(MlaRequest {
                subject: SUBJECTS[case % SUBJECTS.len()].into(),
                summary_of_facts: "Денежные средства потерпевших переведены за рубеж.".into(),
                urgency: Some(Urgency {
                    urgent: case % 10 == 0,
                    ..Default::default()
                }),
                language: "ru".into(),
                ..Default::default()
            }),
        ),
        direction: direction_of(requester),
        request_state: states[updates - 1],
    }];
    for n in 0..updates {
        out.push(Planned {
            envelope: envelope(
                id_of(requested),
                requested,
                requester,
                at_ms + 3_600_000 * (n as i64 + 1),
                envelope::Body::StatusUpdate(StatusUpdate {
                    refers_to: request_id.clone(),
                    status: RequestStatus::Acknowledged as i32 + n as i32,
                    note: "Запрос зарегистрирован.".into(),
                    author: "B.".into(),
                    ..Default::default()
                }),
            ),
            direction: direction_of(requested),
            request_state: RequestState::Unspecified,
        });
    }
    for n in 0..PER_CASE - 1 - updates {
        let sender = if n % 2 == 0 { requester } else { requested };
        let recipient = if sender == requester {
            requested
        } else {
            requester
        };
        out.push(Planned {
            envelope: envelope(
                id_of(sender),
                sender,
                recipient,
                at_ms + 86_400_000 * (n as i64 + 1),
                envelope::Body::Consultation(Consultation {
                    text: "Уточните, пожалуйста, сведения о счетах в банке.".into(),
                    author: "A. Nurov".into(),
                    ..Default::default()
                }),
            ),
            direction: direction_of(sender),
            request_state: RequestState::Unspecified,
        });
    }
    out
}

fn row(what: &str, shown: usize, indexed: Duration, scanned: Duration) {
    println!(
        "| {what} | {shown} | {} | {} | {:.0}x faster |",
        ms(indexed),
        ms(scanned),
        scanned.as_secs_f64() / indexed.as_secs_f64().max(1e-9)
    );
}

fn ids_of(cases: &[rogatory_proto::v1::CaseSummary]) -> Vec<String> {
    cases.iter().map(|c| c.case_id.clone()).collect()
}

fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let cases: usize = if quick { 1_000 } else { 10_000 };
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let ids = MessageIdGenerator::new();
    // Two years of cases, oldest first.
    let start_ms: i64 = 1_704_067_200_000;
    let step_ms = 2 * 365 * 86_400_000 / cases as i64;
    let started = Instant::now();
    let mut pending = Vec::new();
    let mut messages = 0;
    let mut inbox = Vec::new();
    for case in 0..cases {
        let planned = plan_case(case, &ids, start_ms + step_ms * case as i64);
        inbox.extend(
            planned
                .iter()
                .filter(|p| p.direction == Direction::Inbox)
                .map(|p| p.envelope.message_id.clone()),
        );
        pending.extend(planned);
        if pending.len() >= FILL_PER_WRITE || case + 1 == cases {
            messages += pending.len();
            store_all(&store, &pending)?;
            pending.clear();
        }
    }
    println!(
        "pages benchmark{}: {messages} messages in {cases} cases with {} peers, stored and \
         indexed in {:.1} s",
        if quick { " (--quick)" } else { "" },
        PEERS.len(),
        started.elapsed().as_secs_f64()
    );
    // The reader has seen every received message but the newest 500, spread over the store.
    inbox.sort();
    let seen = inbox.len().saturating_sub(UNREAD);
    for chunk in inbox[..seen].chunks(10_000) {
        store.mark_read("anna", chunk, 1)?;
    }

    let policy = DeadlinePolicy::default();
    let now_ms = start_ms + 2 * 365 * 86_400_000;
    let all = CaseFilter {
        own_id: OWN.into(),
        limit: PAGE,
        ..Default::default()
    };
    println!();
    println!("| page | cases/items | index (median) | full scan (median) | index vs scan |");
    println!("|---|---|---|---|---|");

    let (indexed, first) = time(25, || {
        ids_of(
            &list_cases(&store, &all, &policy, now_ms, None)
                .expect("list")
                .cases,
        )
    });
    let (scanned, by_scan) = time(3, || {
        ids_of(&list_cases_scan(&store, &all, &policy, now_ms).expect("scan"))
    });
    assert_eq!(
        first, by_scan,
        "the first page: the index and the scan disagree"
    );
    row("case list, first page (50)", first.len(), indexed, scanned);

    // The cursor of the page before the later one, as a client would hold it.
    let mut after: Option<CasePosition> = None;
    for _ in 1..LATER_PAGE {
        after = list_cases(&store, &all, &policy, now_ms, after.as_ref())?.next;
    }
    let (indexed, later) = time(25, || {
        ids_of(
            &list_cases(&store, &all, &policy, now_ms, after.as_ref())
                .expect("list")
                .cases,
        )
    });
    let through = CaseFilter {
        limit: PAGE * LATER_PAGE,
        ..all.clone()
    };
    let (scanned, by_scan) = time(3, || {
        let listed = list_cases_scan(&store, &through, &policy, now_ms).expect("scan");
        ids_of(&listed[PAGE * (LATER_PAGE - 1)..])
    });
    assert_eq!(
        later, by_scan,
        "the later page: the index and the scan disagree"
    );
    row("case list, 20th page (50)", later.len(), indexed, scanned);

    let filtered = CaseFilter {
        peer: Some("de".into()),
        open_only: true,
        ..all.clone()
    };
    let (indexed, found) = time(25, || {
        ids_of(
            &list_cases(&store, &filtered, &policy, now_ms, None)
                .expect("list")
                .cases,
        )
    });
    let (scanned, by_scan) = time(3, || {
        ids_of(&list_cases_scan(&store, &filtered, &policy, now_ms).expect("scan"))
    });
    assert_eq!(found, by_scan, "filtered: the index and the scan disagree");
    row(
        "case list, --peer de --open, first page",
        found.len(),
        indexed,
        scanned,
    );

    let overdue = CaseFilter {
        overdue_only: true,
        ..all.clone()
    };
    let (indexed, found) = time(25, || {
        ids_of(
            &list_cases(&store, &overdue, &policy, now_ms, None)
                .expect("list")
                .cases,
        )
    });
    let (scanned, by_scan) = time(3, || {
        ids_of(&list_cases_scan(&store, &overdue, &policy, now_ms).expect("scan"))
    });
    assert_eq!(found, by_scan, "overdue: the index and the scan disagree");
    row(
        "case list, --overdue, first page",
        found.len(),
        indexed,
        scanned,
    );

    let judged = Judged {
        own_id: OWN.into(),
        reader: "anna".into(),
        now_ms,
        horizon_ms: 3 * 86_400_000,
        policy,
        delivery_alert_after_ms: 3_600_000,
        clock_only: false,
    };
    let (listed, items) = time(5, || {
        attention::attention(&store, &judged)
            .expect("attention")
            .len()
    });
    println!(
        "| attention, reader with {UNREAD} unread (not indexed yet: scans) | {items} | {} | | |",
        ms(listed)
    );

    let common = Query::words("мошенничество");
    let (indexed, found) = time(25, || {
        search::search(&store, &common, OWN)
            .expect("search")
            .cases
            .len()
    });
    let (scanned, by_scan) = time(3, || {
        search::scan(&store, &common, OWN)
            .expect("scan")
            .cases
            .len()
    });
    assert_eq!(found, by_scan, "search: the index and the scan disagree");
    row(
        "search `мошенничество` (a fifth of the cases; 20 shown)",
        found,
        indexed,
        scanned,
    );

    // The one-time cost of the case-list index for a store made before it.
    let started = Instant::now();
    store.rebuild_case_list_index()?;
    println!();
    println!(
        "case-list index built from {messages} messages in {:.1} s (once, at the first open of \
         an older store)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
