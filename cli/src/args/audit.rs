//! What auditors type: exporting a node's log as a bundle and everything done with bundles
//! offline (verify, read, prove, cross-check, check a printed document).

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Read a bundle's log: one line per entry (who sent what to whom, when), with filters
    #[command(
        long_about = "Read what a node's audit log records, offline, from its bundle (from \
                      `rogatory audit export`): one line per entry with its index, time, kind, \
                      peer, case, and what it concerns (the message's kind and subject, who \
                      submitted it, the reason of a refusal). Filters combine: every one given \
                      must hold.\n\n\
                      Reading proves nothing: `rogatory audit verify` proves the bundle intact \
                      and signed; run it first. `rogatory audit entry BUNDLE N` shows one entry \
                      in full.",
        after_help = "Examples:\n  rogatory audit entries ./tm-audit-2026 --kind message-sent \
                      --peer de\n  rogatory audit entries ./tm-audit-2026 --case tm-01J --since \
                      2026-01-01\n  rogatory audit entries ./tm-audit-2026 --text Atayev --json"
    )]
    Entries {
        /// The bundle directory (from `rogatory audit export`).
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// Only entries of this kind; repeat for several.
        #[arg(
            long = "kind",
            value_name = "KIND",
            value_parser = clap::builder::PossibleValuesParser::new(
                rogatory_proto::audit::reading::kind_names()
            )
        )]
        kinds: Vec<String>,
        /// Only entries concerning this peer (its node id).
        #[arg(long, value_name = "NODE_ID")]
        peer: Option<String>,
        /// Only entries of this case (its id or the beginning of it).
        #[arg(long, value_name = "CASE")]
        case: Option<String>,
        /// Only entries made on or after this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DAY", value_parser = crate::commands::search::parse_day)]
        since: Option<i64>,
        /// Only entries made on or before this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DAY", value_parser = crate::commands::search::parse_day)]
        until: Option<i64>,
        /// Only entries whose subject, text, ids or peer hold every one of these words
        /// (Cyrillic or Latin, beginnings of words).
        #[arg(long, value_name = "WORDS")]
        text: Option<String>,
        /// Start at this entry index.
        #[arg(long, value_name = "INDEX", default_value_t = 0)]
        from: u64,
        /// Show at most this many entries (how many more matched is said).
        #[arg(long, value_name = "N", default_value_t = crate::commands::audit::ENTRIES_LIMIT)]
        limit: usize,
    },

    /// Show one entry of a bundle in full, its signed message decoded
    #[command(
        long_about = "Show one entry of an audit bundle in full: every field, its hash and the \
                      previous entry's, the signature, and the signed message or receipt it \
                      holds, decoded.",
        after_help = "Example:\n  rogatory audit entry ./tm-audit-2026 42"
    )]
    Entry {
        /// The bundle directory (from `rogatory audit export`).
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The entry's index (from `rogatory audit entries`).
        #[arg(value_name = "INDEX")]
        index: u64,
    },

    /// Write the node's whole audit log, checkpoints and keys into a bundle directory
    #[command(
        long_about = "Write the node's whole audit log, its signed checkpoints and the public keys \
                      needed to check them into a new directory (a bundle), through the node's \
                      operator socket.\n\n\
                      The bundle is self-contained: `rogatory audit verify` checks it on any \
                      machine, without the node. It holds BUNDLE (a short manifest), keys.txt \
                      (C2SP verifier keys: the node's, then its peers'), entries.bin (every entry \
                      exactly as stored, each after a 4-byte big-endian length) and \
                      checkpoints/<size>.note (the signed checkpoints, with cosignatures). The \
                      directory must be new or empty.",
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm audit export ./tm-audit-2025-07"
    )]
    Export {
        /// Directory to write the bundle to (created if missing; must be empty).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },

    /// Check a bundle offline: chain, signatures, receipts, checkpoints, cosignatures
    #[command(
        long_about = "Check an audit bundle offline, entry by entry: the hash chain, every \
                      signature, that every receipt obtained acknowledges a message the log sent \
                      (the same bytes, to the same peer), that every receipt issued points at \
                      the entry that recorded the message, and that every signed checkpoint \
                      (and each known peer's cosignature on it) commits to the entries as they \
                      are. Entries after the newest checkpoint are counted, not refused.\n\n\
                      The keys come from the bundle's keys.txt, which the node wrote: compare the \
                      node's key, printed at the end, with the one its operator gives you out of \
                      band, and pin the peers' keys (and the node's) with --peer-keys FILE, keys \
                      obtained from each peer's operator. Without it the report names every key \
                      taken on trust from the bundle; with it, a key in keys.txt that differs \
                      from the pinned one fails the bundle.\n\n\
                      With --roster FILE (a roster history from the governors, genesis first), \
                      no key is taken from the bundle: every signature (envelopes, receipts, \
                      checkpoints, cosignatures) is checked against the keys the roster history \
                      says its signer held at the signature's date. The history is FILE's, \
                      extended by the rosters the log records as applied where they verify as \
                      successors. Every signature by a revoked, retired, not yet valid or \
                      unknown key, or by a node that was not a member then, is named, and so is \
                      every recorded roster that does not verify or forks from the history.",
        after_help = "Examples:\n  rogatory audit verify ./tm-audit-2025-07\n  rogatory audit verify \
                      ./tm-audit-2025-07 --roster federation-rosters.txt\n\nExit code 0: the \
                      bundle verifies. Exit code 2: it does not (the first failing entry and the \
                      reason are printed)."
    )]
    Verify {
        /// The bundle directory (from `rogatory audit export`).
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// Verifier keys obtained independently of the bundle, one a line in the format of
        /// keys.txt (`rogatory/<node>+<hash>+<key>`, as `rogatory node identity` prints them):
        /// they replace the bundle's own, and a bundle that disagrees with them fails.
        #[arg(long, value_name = "FILE", conflicts_with = "roster")]
        peer_keys: Option<PathBuf>,
        /// A roster history obtained from the governors (armored rosters, genesis first): every
        /// signature is checked against the keys it says each node held at the signature's
        /// date, instead of the bundle's keys.txt.
        #[arg(long, value_name = "FILE")]
        roster: Option<PathBuf>,
    },

    /// Write the rosters a node's log says it applied, as one roster history file
    #[command(
        long_about = "Write the rosters the bundle's log records as applied (ROSTER_APPLIED \
                      entries), oldest first, armored, into a new file: a roster history as \
                      `rogatory audit verify --roster` reads it. \
                      The rosters are written as the node recorded them and are not trusted for \
                      that: compare the printed genesis SHA-256 with the governors by telephone \
                      before using the file to judge anything.",
        after_help = "Example:\n  rogatory audit rosters ./tm-audit-2025-07 --out tm-rosters.txt\n  \
                      rogatory audit verify ./de-audit-2025-07 --roster tm-rosters.txt"
    )]
    Rosters {
        /// The bundle directory.
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },

    /// Print a C2SP tlog-proof that one entry is in a signed checkpoint
    #[command(
        long_about = "Print a C2SP tlog-proof (c2sp.org/tlog-proof) that entry N of the bundle's \
                      log is included in one of the node's signed checkpoints: the Merkle \
                      inclusion proof, computed from the bundle's entries, followed by the \
                      checkpoint with its cosignatures. The bundle is verified first; no proof \
                      is written from a bundle that does not verify.",
        after_help = "Examples:\n  rogatory audit prove ./tm-audit-2025-07 --index 4 > entry-4.proof\n  \
                      rogatory audit prove ./tm-audit-2025-07 --index 4 --checkpoint 12 \
                      --entry-out entry-4.bin > entry-4.proof"
    )]
    Prove {
        /// The bundle directory.
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The entry to prove.
        #[arg(long, value_name = "N")]
        index: u64,
        /// The tree size of the checkpoint to prove against [default: the newest covering N].
        #[arg(long, value_name = "SIZE")]
        checkpoint: Option<u64>,
        /// Also write the entry's exact bytes to FILE (what `check-proof --entry-file` takes).
        #[arg(long, value_name = "FILE")]
        entry_out: Option<PathBuf>,
    },

    /// Check a tlog-proof of an entry against the log's verifier key
    #[command(
        long_about = "Check a C2SP tlog-proof: that its checkpoint is signed by the log's key \
                      and that the entry (its exact bytes) is at the proof's index in the tree \
                      the checkpoint commits to.",
        after_help = "Example:\n  rogatory audit check-proof entry-4.proof --key \
                      rogatory/tm+d718e31a+AepK... --entry-file entry-4.bin\n\nThe key is the \
                      first line of the bundle's keys.txt; get it from the node's operator. Exit \
                      code 0: the proof holds. Exit code 2: it does not."
    )]
    CheckProof {
        /// The tlog-proof file (from `rogatory audit prove`).
        #[arg(value_name = "PROOF_FILE")]
        proof: PathBuf,
        /// The log's C2SP verifier key, `rogatory/<node>+<key id>+<key>`.
        #[arg(long, value_name = "VERIFIER_KEY")]
        key: String,
        /// The entry's exact bytes (from `rogatory audit prove --entry-out`).
        #[arg(long, value_name = "FILE")]
        entry_file: PathBuf,
    },

    /// Print a proof that the node's log at one checkpoint extends its log at an older one
    #[command(
        long_about = "Print a consistency proof (RFC 9162 2.1.4) between two of the node's signed \
                      checkpoints in the bundle, of OLD and NEW entries: the proof hashes, \
                      computed from the bundle's entries, followed by both checkpoint notes \
                      verbatim. Whoever holds the two checkpoints and the node's key can then \
                      check that the node only appended between them. The bundle is verified \
                      first; the format is in docs/AUDIT-FORMAT.md section 16.1.",
        after_help = "Example:\n  rogatory audit consistency ./tm-audit-2025-07 4 12 > tm-4-12.proof"
    )]
    Consistency {
        /// The bundle directory.
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The size of the older checkpoint (a file checkpoints/OLD.note in the bundle).
        #[arg(value_name = "OLD")]
        old: u64,
        /// The size of the newer checkpoint.
        #[arg(value_name = "NEW")]
        new: u64,
    },

    /// Check a consistency proof between two checkpoints against the log's verifier key
    #[command(
        long_about = "Check a consistency proof file (from `rogatory audit consistency`): both \
                      checkpoints are signed by the log's key and are of that log, and the newer \
                      tree extends the older one.",
        after_help = "Example:\n  rogatory audit check-consistency tm-4-12.proof --key \
                      rogatory/tm+d718e31a+AepK...\n\nExit code 0: the proof holds. Exit code \
                      2: it does not."
    )]
    CheckConsistency {
        /// The consistency proof file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The log's C2SP verifier key, `rogatory/<node>+<key id>+<key>`.
        #[arg(long, value_name = "VERIFIER_KEY")]
        key: String,
    },

    /// Compare two nodes' bundles: each one's receipts against the other's log, and their keys
    #[command(
        long_about = "Compare the audit bundles of two nodes that exchanged messages. Both are \
                      verified first. Then every receipt one node obtained from the other must \
                      point (log_index, log_entry_hash) at a MESSAGE_RECEIVED entry of the \
                      other's log holding exactly the acknowledged envelope bytes, and each \
                      bundle's keys.txt must give the other node the key that node signs with. \
                      Every disagreement is listed with the message, the receipt's claimed \
                      position and what the other log holds there.",
        after_help = "Example:\n  rogatory audit cross-check ./tm-audit-2025-07 ./de-audit-2025-07\n\n\
                      Exit code 0: no discrepancy. Exit code 2: a bundle does not verify, or the \
                      two disagree."
    )]
    CrossCheck {
        /// The first node's bundle directory.
        #[arg(value_name = "A")]
        a: PathBuf,
        /// The second node's bundle directory.
        #[arg(value_name = "B")]
        b: PathBuf,
    },

    /// Check a printed document against the node's audit bundle, by its verification code
    #[command(
        long_about = "Check a document printed by `rogatory message print` or `case print` \
                      against the audit bundle of the node that printed it. The bundle is \
                      verified first, as by `audit verify`. The verification code names a \
                      position in that node's log and is derived from the exact signed message \
                      recorded there (docs/AUDIT-FORMAT.md section 18): the check finds the \
                      entry, compares, and shows what the log records (message, sender, \
                      receiver, subject, times, the signing key's fingerprint), to compare with \
                      the paper. With --pdf the codes are read from the document's text, every \
                      one is checked, and each message and its signing key's fingerprint must \
                      appear in the document.",
        after_help = "Examples:\n  rogatory audit check-document ./tm-audit tm-42-K94A-0YAJ-5YW5-9K3V\n  \
                      rogatory audit check-document ./tm-audit --pdf request.pdf\n\n\
                      Exit code 0: the document checks. Exit code 2: it does not, or the bundle \
                      does not verify."
    )]
    CheckDocument {
        /// The audit bundle of the node that printed the document (`rogatory audit export`).
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The verification code printed on the document, e.g. tm-42-K94A-0YAJ-5YW5-9K3V.
        #[arg(value_name = "CODE", required_unless_present = "pdf")]
        code: Option<String>,
        /// Read the codes from this PDF (printed by rogatory) instead.
        #[arg(long, value_name = "FILE.pdf", conflicts_with = "code")]
        pdf: Option<PathBuf>,
        /// Keys obtained from each node's operator, one verifier key a line as in keys.txt,
        /// to hold the bundle's keys against (as for `audit verify --peer-keys`).
        #[arg(long, value_name = "FILE")]
        peer_keys: Option<PathBuf>,
    },
}
