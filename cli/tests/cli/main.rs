//! The CLI's end-to-end tests: the real `rogatory` binary against real nodes. One test binary
//! for all of them, so the workspace links one executable here instead of one per file.

mod common;

mod attachments;
mod attention;
mod audit;
mod audit_roster;
mod case_list;
mod delivery_words;
mod demo;
mod enrollment;
mod errors_in_russian;
mod federation;
mod governance;
mod hints;
mod identity;
mod json_errors;
mod language;
mod lifecycle;
mod local;
mod multi_party;
mod no_english_in_russian;
mod operator_tools;
mod outbox;
mod print;
mod request_file_errors;
mod rotation;
mod russian_operators;
mod search;
