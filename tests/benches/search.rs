//! Benchmark of the contact points' search (`cargo bench -p rogatory-tests --bench search`,
//! `-- --quick` for a short run).
//!
//! Fills a real store (sled and the journal, as a node writes them: each message's log entry
//! and record, with its search-index entries, in one batch) with 100,000 messages over 20,000
//! cases with 8 peers: for each case a request (subject, facts, persons with Central-Asian
//! names in Cyrillic or Latin, offences, authorities, a national reference), status updates of
//! the requested side (one in three with its own reference) and consultations. Then measures,
//! in the same run, the latency of `storage::search::search` (the `Search` RPC's query, from
//! the index) for five queries, against a baseline: `storage::search::scan`, the same query
//! answered by reading and indexing every stored message without the index. Each figure is the
//! median of several runs (the index: 25, the scan: 3), after one warm-up run each.
//!
//! The queries: a rare surname (three cases), a common word (a subject in a fifth of the
//! cases), the rare surname typed in the other script, a prefix of it, and the common word
//! with a peer and a state filter.

use std::time::Instant;

use rogatory_node::storage::search::{self, Query};
use rogatory_node::storage::store::Store;
use rogatory_proto::ids::{MessageIdGenerator, NodeId};
use rogatory_proto::v1::{
    AssistanceType, Authority, Consultation, Direction, Envelope, MlaRequest, Offence, Person,
    PersonRole, RequestState, RequestStatus, StatusUpdate, envelope,
};
use rogatory_tests::bench_store::{Planned, median as time, ms, store_all};

const OWN: &str = "tm";
const PEERS: [&str; 8] = ["de", "uz", "kz", "kg", "tj", "az", "ge", "am"];
/// Messages per store write while filling: a node's busy paths group commits the same way.
const FILL_PER_WRITE: usize = 250;

const SURNAMES_CYRILLIC: &[&str] = &[
    "Атаев",
    "Юсупов",
    "Каримов",
    "Ходжаев",
    "Алиев",
    "Назаров",
    "Рахимов",
    "Мамедов",
    "Бердыев",
    "Сапаров",
    "Нуриев",
    "Исмаилов",
    "Абдуллаев",
    "Хасанов",
    "Тураев",
    "Ахмедов",
    "Курбанов",
    "Оразов",
    "Джумаев",
    "Мурадов",
    "Сейитов",
    "Иванов",
    "Петров",
    "Ким",
];
const SURNAMES_LATIN: &[&str] = &[
    "Ataýew",
    "Yusupov",
    "Karimov",
    "Khodjaev",
    "Aliyev",
    "Nazarov",
    "Rakhimov",
    "Mammadov",
    "Berdiyev",
    "Saparov",
    "Nuriyev",
    "Ismailov",
    "Abdullayev",
    "Hasanov",
    "Turaev",
    "Akhmedov",
    "Gurbanov",
    "Orazov",
    "Jumayev",
    "Muradov",
    "Seyitov",
    "Müller",
    "Schmidt",
    "Wagner",
];
const GIVEN_NAMES: &[&str] = &[
    "Мурад",
    "Алишер",
    "Рустам",
    "Дильноза",
    "Гульнара",
    "Тимур",
    "Айбек",
    "Sardor",
    "Aziz",
    "Jahongir",
    "Kerim",
    "Aýna",
    "Petra",
    "Stefan",
];
/// Subjects; the first is the common word's (in a fifth of the cases).
const SUBJECTS: &[&str] = &[
    "Мошенничество с банковскими картами",
    "Торговля людьми в целях эксплуатации труда",
    "Legalisation of proceeds of crime through real estate",
    "Незаконный оборот наркотических средств",
    "Trafficking in persons for labour exploitation",
];
const CITIES: &[&str] = &[
    "Ашхабад",
    "Ташкент",
    "Алматы",
    "Бишкек",
    "Душанбе",
    "Hamburg",
    "Berlin",
    "Баку",
];
/// The rare surname: three requests name it, in Cyrillic (see [`is_rare`]).
const RARE: &str = "Ораздурдыев";
const RARE_COUNT: usize = 3;

/// Whether case `case` of `cases` names the rare surname: three cases spread over the store.
fn is_rare(case: usize, cases: usize) -> bool {
    [cases / 16, cases / 2 + 1, cases - cases / 8].contains(&case)
}

/// A small deterministic generator (xorshift): the same store on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn person(dice: &mut Dice) -> Person {
    let latin = dice.next() % 2 == 0;
    let surname = if latin {
        dice.pick(SURNAMES_LATIN)
    } else {
        dice.pick(SURNAMES_CYRILLIC)
    };
    Person {
        name: format!("{surname} {}", dice.pick(GIVEN_NAMES)),
        role: PersonRole::Suspect as i32,
        ..Default::default()
    }
}

fn request(case: usize, cases: usize, dice: &mut Dice) -> MlaRequest {
    let subject = if case % 5 == 0 {
        SUBJECTS[0]
    } else {
        SUBJECTS[1 + (dice.next() % (SUBJECTS.len() as u64 - 1)) as usize]
    };
    let mut persons: Vec<Person> = (0..2).map(|_| person(dice)).collect();
    if is_rare(case, cases) {
        persons.push(Person {
            name: format!("{RARE} Бахтияр"),
            role: PersonRole::Witness as i32,
            ..Default::default()
        });
    }
    let city = dice.pick(CITIES);
    MlaRequest {
        national_reference: format!("УД-{}/{}", case, 2024 + case % 3),
        requesting_authority: Some(Authority {
            name: "Генеральная прокуратура".into(),
            contact: String::new(),
        }),
        subject: subject.into(),
        summary_of_facts: format!(
            "В период с 2024 по 2025 год {} и соучастники в городе {city} получили денежные \
             средства потерпевших; часть средств переведена на счета в банках за рубежом.",
            persons[0].name
        ),
        offences: vec![Offence {
            description: subject.into(),
            legal_provision: format!("УК, ст. {}", 100 + case % 200),
        }],
        persons,
        assistance: vec![if case % 2 == 0 {
            AssistanceType::TakeEvidence as i32
        } else {
            AssistanceType::Records as i32
        }],
        language: "ru".into(),
        ..Default::default()
    }
}

/// The messages of case `case`: a request, status updates, consultations (five in all on
/// average).
fn plan_case(
    case: usize,
    cases: usize,
    dice: &mut Dice,
    ids: &MessageIdGenerator,
    at_ms: i64,
) -> Vec<Planned> {
    let peer = PEERS[case % PEERS.len()];
    let outgoing = case % 2 == 0;
    let (requester, requested) = if outgoing { (OWN, peer) } else { (peer, OWN) };
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
    let states = [
        RequestState::Acknowledged,
        RequestState::UnderReview,
        RequestState::InExecution,
        RequestState::Executed,
    ];
    let updates = 1 + (dice.next() % 3) as usize;
    let state = states[(updates - 1 + case % 2).min(states.len() - 1)];
    let request_id = id_of(requester);
    let mut out = vec![Planned {
        envelope: envelope(
            request_id.clone(),
            requester,
            requested,
            at_ms,
            envelope::Body::MlaRequest(request(case, cases, dice)),
        ),
        direction: direction_of(requester),
        request_state: state,
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
                    note: "Запрос зарегистрирован и передан исполнителю.".into(),
                    author: "Staatsanwältin B.".into(),
                    national_reference: if n == 0 && case % 3 == 0 {
                        format!("{} Js {}/26", 10 + case % 90, case)
                    } else {
                        String::new()
                    },
                    ..Default::default()
                }),
            ),
            direction: direction_of(requested),
            request_state: RequestState::Unspecified,
        });
    }
    let consultations = 4 - updates.min(3);
    for n in 0..consultations {
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
                    text: format!(
                        "Уточните, пожалуйста, сведения о счетах {} в банке.",
                        person(dice).name
                    ),
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

fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let cases: usize = if quick { 2_000 } else { 20_000 };
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let ids = MessageIdGenerator::new();
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    // Two years of cases, oldest first.
    let start_ms: i64 = 1_704_067_200_000;
    let step_ms = 2 * 365 * 86_400_000 / cases as i64;
    let started = Instant::now();
    let mut pending = Vec::new();
    let mut messages = 0;
    for case in 0..cases {
        pending.extend(plan_case(
            case,
            cases,
            &mut dice,
            &ids,
            start_ms + step_ms * case as i64,
        ));
        if pending.len() >= FILL_PER_WRITE || case + 1 == cases {
            messages += pending.len();
            store_all(&store, &pending)?;
            pending.clear();
        }
    }
    println!(
        "search benchmark{}: {messages} messages in {cases} cases with {} peers, stored and \
         indexed in {:.1} s",
        if quick { " (--quick)" } else { "" },
        PEERS.len(),
        started.elapsed().as_secs_f64()
    );

    let query = |text: &str| Query::words(text);
    let common = SUBJECTS[0].split(' ').next().unwrap_or_default();
    let filtered = Query {
        peer: Some("de".into()),
        state: Some(RequestState::UnderReview as i32),
        ..query(common)
    };
    let prefix: String = RARE.chars().take(7).collect();
    let rare_latin = "Orazdurdyyew";
    let queries: Vec<(String, Query)> = vec![
        (format!("rare surname `{RARE}`"), query(RARE)),
        (format!("common word `{common}`"), query(common)),
        (
            format!("rare surname in the other script `{rare_latin}`"),
            query(rare_latin),
        ),
        (format!("prefix `{prefix}`"), query(&prefix)),
        (
            format!("`{common}` --peer de --state under-review"),
            filtered,
        ),
    ];
    println!();
    println!("| query | cases found | index (median) | full scan (median) | index vs scan |");
    println!("|---|---|---|---|---|");
    for (what, q) in &queries {
        let keys: Vec<&str> = q.words.iter().map(|w| w.key.as_str()).collect();
        let (indexed, found) = time(25, || {
            let answer = search::search(&store, q, OWN).expect("search");
            answer.cases.len() + usize::from(answer.more) * 1_000_000
        });
        let (scanned, found_by_scan) = time(3, || {
            let answer = search::scan(&store, q, OWN).expect("scan");
            answer.cases.len() + usize::from(answer.more) * 1_000_000
        });
        assert_eq!(
            found, found_by_scan,
            "{what}: the index and the scan disagree"
        );
        let shown = if found >= 1_000_000 {
            format!("{}+ (limit)", found - 1_000_000)
        } else {
            found.to_string()
        };
        println!(
            "| {what} (keys {keys:?}) | {shown} | {} | {} | {:.0}x faster |",
            ms(indexed),
            ms(scanned),
            scanned.as_secs_f64() / indexed.as_secs_f64().max(1e-9)
        );
    }
    // The rare name in either script names the same cases.
    let cyrillic = search::search(&store, &query(RARE), OWN)?;
    let latin = search::search(&store, &query(rare_latin), OWN)?;
    assert_eq!(cyrillic.cases.len(), RARE_COUNT);
    assert_eq!(
        cyrillic
            .cases
            .iter()
            .map(|c| &c.case_id)
            .collect::<Vec<_>>(),
        latin.cases.iter().map(|c| &c.case_id).collect::<Vec<_>>()
    );
    Ok(())
}
