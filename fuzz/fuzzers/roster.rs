#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rogatory_fuzz::roster(data));
