//! Rosters and proposals as text files that travel by e-mail: the encoded `SignedRoster` in
//! PEM armor (RFC 7468 textual encoding, base64 in lines of 64) labelled `ROGATORY ROSTER`.

use super::{MAX_SIGNED_ROSTER_BYTES, RosterError, decode_signed};
use crate::v1::SignedRoster;
use prost::Message;

/// The PEM label of a roster file.
pub const ARMOR_LABEL: &str = "ROGATORY ROSTER";

/// Largest armored file read: base64 grows the bytes by 4/3, plus line ends and text around.
const MAX_ARMORED_BYTES: usize = 2 * MAX_SIGNED_ROSTER_BYTES;

/// The signed roster (or proposal) as an armored text file, LF line ends.
pub fn to_armored(signed: &SignedRoster) -> String {
    let pem = pem::Pem::new(ARMOR_LABEL, signed.encode_to_vec());
    pem::encode_config(
        &pem,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// Reads a roster file: the armored form (text around the armor, as in an e-mail, is ignored),
/// or the binary `SignedRoster` encoding.
pub fn from_armored(file: &[u8]) -> Result<SignedRoster, RosterError> {
    if file.len() > MAX_ARMORED_BYTES {
        return Err(RosterError::TooLarge {
            what: "the roster file",
            size: file.len(),
            limit: MAX_ARMORED_BYTES,
        });
    }
    let armored = file.windows(11).any(|w| w == b"-----BEGIN ");
    if !armored {
        return decode_signed(file);
    }
    let pem = match pem::parse(file) {
        Ok(pem) => pem,
        // A binary roster whose text happens to hold the marker.
        Err(e) => {
            return decode_signed(file)
                .map_err(|_| RosterError::Malformed(format!("bad armor: {e}")));
        }
    };
    if pem.tag() != ARMOR_LABEL {
        return Err(RosterError::Malformed(format!(
            "the file holds a {:?}, not a {ARMOR_LABEL:?}",
            pem.tag()
        )));
    }
    decode_signed(pem.contents())
}

/// Most rosters read from one history file: a federation changing its roster every day for
/// ten years. Bounds what a file can make an auditor verify.
pub const MAX_ROSTERS_PER_FILE: usize = 4096;

/// A roster history as one text file: each roster armored, oldest (the genesis) first.
pub fn chain_to_armored(chain: &[SignedRoster]) -> String {
    chain.iter().map(to_armored).collect()
}

/// Reads a file of one or more armored rosters, in file order (a history: genesis first).
/// Text between the blocks is ignored; a block of another label is refused. A file without
/// armor is read as one binary roster.
pub fn chain_from_armored(file: &[u8]) -> Result<Vec<SignedRoster>, RosterError> {
    let armored = file.windows(11).any(|w| w == b"-----BEGIN ");
    if !armored {
        return from_armored(file).map(|one| vec![one]);
    }
    let limit = MAX_ARMORED_BYTES * MAX_ROSTERS_PER_FILE;
    if file.len() > limit {
        return Err(RosterError::TooLarge {
            what: "the roster history file",
            size: file.len(),
            limit,
        });
    }
    let blocks =
        pem::parse_many(file).map_err(|e| RosterError::Malformed(format!("bad armor: {e}")))?;
    if blocks.len() > MAX_ROSTERS_PER_FILE {
        return Err(RosterError::TooLarge {
            what: "the list of rosters",
            size: blocks.len(),
            limit: MAX_ROSTERS_PER_FILE,
        });
    }
    blocks
        .iter()
        .map(|pem| {
            if pem.tag() != ARMOR_LABEL {
                return Err(RosterError::Malformed(format!(
                    "the file holds a {:?}, not a {ARMOR_LABEL:?}",
                    pem.tag()
                )));
            }
            decode_signed(pem.contents())
        })
        .collect()
}
