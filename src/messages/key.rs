//! What a message is keyed by: its site (host and Postfix instance) and
//! queue id, both held in a few bytes, and the names of the global
//! categories it keeps.

use std::hash::BuildHasher;

use polars::prelude::{PlHashMap, PlRandomState};

use super::Message;
use crate::frame::rows::{self, Strs};

/// A name a message keeps: its code in the global categories, which the
/// event frame's categorical columns share (4 bytes, and the string once).
/// Held as the code plus one: `Option<Name>` is 4 bytes too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Name(std::num::NonZeroU32);

impl Name {
    pub fn as_str(self) -> &'static str {
        crate::frame::rows::global_categories()
            .cat_to_str(self.0.get() - 1)
            .unwrap_or("")
    }

    pub(super) fn of_code(code: u32) -> Name {
        Name(std::num::NonZeroU32::MIN.saturating_add(code))
    }

    /// The name of `text`, added to the categories if it is new.
    pub(super) fn of(text: &str) -> Name {
        Name::of_code(rows::global_code(text))
    }

    /// The name of row `i` of `column`: its code when the column is of
    /// the global categories (as the scan builds it), else its string's.
    #[inline]
    pub(super) fn of_row(column: &Strs<'_>, global: bool, i: usize) -> Option<Name> {
        match column {
            Strs::Codes { .. } if global => column.code(i).map(Name::of_code),
            _ => column.get(i).map(Name::of),
        }
    }
}

/// A queue id in 16 bytes. Postfix writes its queue ids in `0-9A-Za-z`
/// (upper-case hex, or the long ids' base-52 alphabet and `z`), and those
/// of up to [`QueueId::PACKED`] characters are packed 6 bits each, first
/// character highest, so that the numbers order as the strings do. A
/// longer one, or one of other bytes, up to [`QueueId::MAX`], is held as
/// its code in the global categories. (The 25 bytes of the text made a
/// message 9 bytes larger, and millions may be open at once.)
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueId {
    high: u64,
    low: u64,
}

impl QueueId {
    pub const MAX: usize = 24;
    /// The characters packed: 21 × 6 = 126 bits.
    const PACKED: usize = 21;
    /// The bit of `high` that marks a code in the global categories.
    const CODED: u64 = 1 << 63;

    /// `None` for a longer token (a remote server's `queued as` id: never
    /// one of this server's messages).
    pub fn new(id: &str) -> Option<QueueId> {
        match QueueId::packed(id) {
            Some(packed) => Some(packed),
            None if id.len() <= QueueId::MAX => Some(QueueId::coded(rows::global_code(id))),
            None => None,
        }
    }

    /// The queue id of `id` if it can be one of the messages: a queue id
    /// that is not packed is one only if a message added it to the global
    /// categories. Read for the ids other lines name (`queued as NEW`):
    /// a remote server's are never added, so that they cannot grow the
    /// categories with the log.
    pub fn find(id: &str) -> Option<QueueId> {
        QueueId::packed(id).or_else(|| {
            let code = rows::global_categories().get_cat(id)?;
            (id.len() <= QueueId::MAX).then(|| QueueId::coded(code))
        })
    }

    fn packed(id: &str) -> Option<QueueId> {
        if id.len() > QueueId::PACKED {
            return None;
        }
        let mut value: u128 = 0;
        for &byte in id.as_bytes() {
            value = value << 6 | u128::from(QueueId::code_of(byte)?);
        }
        // Left-aligned: a shorter id is a prefix, its missing characters
        // code 0, below every character.
        value <<= 6 * (QueueId::PACKED - id.len());
        Some(QueueId {
            high: (value >> 64) as u64,
            low: value as u64,
        })
    }

    fn coded(code: u32) -> QueueId {
        QueueId {
            high: QueueId::CODED,
            low: u64::from(code),
        }
    }

    /// `0-9`, `A-Z`, `a-z` as 1 … 62, in ASCII order.
    #[inline]
    fn code_of(byte: u8) -> Option<u8> {
        match byte {
            b'0'..=b'9' => Some(byte - b'0' + 1),
            b'A'..=b'Z' => Some(byte - b'A' + 11),
            b'a'..=b'z' => Some(byte - b'a' + 37),
            _ => None,
        }
    }

    fn byte_of(code: u8) -> u8 {
        match code {
            1..=10 => b'0' + code - 1,
            11..=36 => b'A' + code - 11,
            _ => b'a' + code - 37,
        }
    }

    /// The queue id's text.
    pub fn text(&self) -> QueueIdText {
        let mut text = QueueIdText {
            len: 0,
            bytes: [0; QueueId::MAX],
        };
        if self.high & QueueId::CODED != 0 {
            let id = Name::of_code(self.low as u32).as_str();
            let len = id.len().min(QueueId::MAX);
            text.bytes[..len].copy_from_slice(&id.as_bytes()[..len]);
            text.len = len as u8;
            return text;
        }
        let value = u128::from(self.high) << 64 | u128::from(self.low);
        for i in 0..QueueId::PACKED {
            let code = (value >> (6 * (QueueId::PACKED - 1 - i))) as u8 & 0x3f;
            if code == 0 {
                break;
            }
            text.bytes[i] = QueueId::byte_of(code);
            text.len += 1;
        }
        text
    }
}

/// A queue id's text ([`QueueId::text`]), on the stack.
#[derive(Clone, Copy)]
pub struct QueueIdText {
    len: u8,
    bytes: [u8; QueueId::MAX],
}

impl std::ops::Deref for QueueIdText {
    type Target = str;

    fn deref(&self) -> &str {
        // ASCII alphanumerics, or a `&str`'s bytes copied whole.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl AsRef<str> for QueueIdText {
    fn as_ref(&self) -> &str {
        self
    }
}

impl std::fmt::Debug for QueueId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (*self.text()).fmt(f)
    }
}

impl Ord for QueueId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let coded = |q: &QueueId| q.high & QueueId::CODED != 0;
        if coded(self) || coded(other) {
            (*self.text()).cmp(&*other.text())
        } else {
            (self.high, self.low).cmp(&(other.high, other.low))
        }
    }
}

impl PartialOrd for QueueId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for QueueId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<&str> for QueueId {
    fn eq(&self, other: &&str) -> bool {
        *self.text() == **other
    }
}

/// A message's key: host, instance, queue id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub(super) site: Site,
    pub(super) queue_id: QueueId,
}

/// Where a message is queued: a host and its Postfix instance, held as one
/// name of the global categories (`relay\tpostfix`): 4 bytes of every
/// message instead of 8. Neither a syslog host nor an instance has a tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Site(Name);

impl Site {
    pub fn host(self) -> &'static str {
        self.0
            .as_str()
            .split_once('\t')
            .map_or("", |(host, _)| host)
    }

    pub fn instance(self) -> &'static str {
        self.0
            .as_str()
            .split_once('\t')
            .map_or("", |(_, instance)| instance)
    }
}

/// The site of the last host and instance asked for (rows repeat them),
/// and the buffer its name is written in.
#[derive(Debug, Default)]
pub(super) struct SiteMemo {
    last: Option<(Name, Name, Site)>,
    name: String,
}

impl SiteMemo {
    #[inline]
    pub(super) fn site(&mut self, host: Name, instance: Name) -> Site {
        match self.last {
            Some((h, i, site)) if h == host && i == instance => site,
            _ => {
                self.name.clear();
                self.name.push_str(host.as_str());
                self.name.push('\t');
                self.name.push_str(instance.as_str());
                let site = Site(Name::of(&self.name));
                self.last = Some((host, instance, site));
                site
            }
        }
    }
}

/// The client a message came from (smtpd's `client=NAME[ADDRESS]`): its
/// number in [`Clients`], 4 bytes of every message instead of the two
/// names' 8. Held plus one: `Option<Client>` is 4 bytes too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Client(std::num::NonZeroU32);

impl Client {
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// Each distinct client (name and address) once, numbered as met: the
/// messages' clients ([`Client`]). 8 bytes a client in the list, and the
/// memo that finds a client met before while the messages are folded.
#[derive(Debug, Default)]
pub struct Clients {
    list: Vec<(Option<Name>, Option<Name>)>,
    numbers: PlHashMap<(Option<Name>, Option<Name>), Client>,
}

impl Clients {
    /// The client of `name` and `ip`, numbered if it is new.
    pub(super) fn client(&mut self, name: Option<Name>, ip: Option<Name>) -> Option<Client> {
        if name.is_none() && ip.is_none() {
            return None;
        }
        let list = &mut self.list;
        let client = *self.numbers.entry((name, ip)).or_insert_with(|| {
            list.push((name, ip));
            // The length after the push: the number plus one, never 0.
            Client(std::num::NonZeroU32::MIN.saturating_add(list.len() as u32 - 1))
        });
        Some(client)
    }

    /// The list alone, once no client is added (the memo is dropped).
    pub(super) fn finished(self) -> Clients {
        Clients {
            list: self.list,
            numbers: PlHashMap::default(),
        }
    }

    /// Its name (`unknown` when the address did not resolve).
    pub fn name(&self, client: Client) -> Option<&'static str> {
        self.list.get(client.index())?.0.map(Name::as_str)
    }

    /// Its address.
    pub fn ip(&self, client: Client) -> Option<&'static str> {
        self.list.get(client.index())?.1.map(Name::as_str)
    }
}

/// `postfix` of `postfix/submission`: the instance whose daemons share
/// one queue.
pub(super) fn instance_of(instance: &str) -> &str {
    instance.split('/').next().unwrap_or(instance)
}

impl Key {
    pub(super) fn from(m: &Message) -> Key {
        Key {
            site: m.site,
            queue_id: m.queue_id,
        }
    }

    /// The key's hash in the open messages: its queue id's (a log has one
    /// host and a few instances, so that is nearly as distinct, and one
    /// string costs less to hash than three).
    #[inline]
    pub(super) fn hash(&self, hasher: &PlRandomState) -> u64 {
        hasher.hash_one(self.queue_id)
    }

    /// Whether `m` is a message of this key.
    #[inline]
    pub(super) fn of(&self, m: &Message) -> bool {
        self.queue_id == m.queue_id && self.site == m.site
    }

    /// The same site, another queue id.
    pub(super) fn with(&self, queue_id: QueueId) -> Key {
        Key { queue_id, ..*self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_ids_are_held_inline_up_to_postfix_s_longest() {
        let long = "4bzBYz0gQ2z9sb3xKqLmNpRt";
        assert_eq!(long.len(), QueueId::MAX);
        assert_eq!(&*QueueId::new(long).unwrap().text(), long);
        assert_eq!(QueueId::new("3F2A1B4C5D").unwrap(), "3F2A1B4C5D");
        assert!(QueueId::new(&format!("{long}x")).is_none());
        let (a, b) = (QueueId::new("A1").unwrap(), QueueId::new("A10").unwrap());
        assert!(a < b && "A1" < "A10");
        // Every character of the alphabet, at both ends of the packed
        // length; one longer is held by its code.
        let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for window in alphabet.as_bytes().windows(QueueId::PACKED) {
            let id = std::str::from_utf8(window).unwrap();
            assert_eq!(&*QueueId::new(id).unwrap().text(), id);
            assert_eq!(&*QueueId::new(&id[..5]).unwrap().text(), &id[..5]);
        }
        let coded = "4bzBYz0gQ2z9sb3xKqLmNpz";
        assert_eq!(&*QueueId::new(coded).unwrap().text(), coded);
        assert_eq!(QueueId::find(coded), QueueId::new(coded));
        assert_eq!(QueueId::find("not-a-local-id-0123"), None);
        assert_eq!(&*QueueId::find("9sb3xK").unwrap().text(), "9sb3xK");
    }

    /// Packed ids order as their text, as the coded ones do.
    #[test]
    fn queue_ids_order_as_their_text() {
        let mut ids = [
            "4bzBYz0gQ2z9sb3xKqLmNpz",
            "4bzBYz0gQ2z9sb3",
            "3F2A1B4C5D",
            "3F2A1B4C5",
            "4bzBYz0gQ2z9sb3xKqLmNp",
            "4bzBYz0gQ2z9sb3xKqLmN",
            "zzzzz",
            "ZZZZZ",
            "00000",
        ];
        let mut queue_ids: Vec<QueueId> = ids.iter().map(|id| QueueId::new(id).unwrap()).collect();
        ids.sort();
        queue_ids.sort();
        let texts: Vec<String> = queue_ids.iter().map(|q| q.text().to_string()).collect();
        assert_eq!(texts, ids);
    }

    #[test]
    fn names_are_the_global_categories_codes() {
        let name = Name::of("postfix-out");
        assert_eq!(name.as_str(), "postfix-out");
        assert_eq!(Name::of("postfix-out"), name);
        let code = crate::frame::rows::global_categories()
            .get_cat("postfix-out")
            .unwrap();
        assert_eq!(Name::of_code(code), name);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// Any id of the queue-id alphabet, packed or coded, reads back as
        /// itself, and two ids compare and order as their texts do.
        #[test]
        fn queue_ids_keep_their_text_and_order(
            a in "[0-9A-Za-z]{1,24}",
            b in "[0-9A-Za-z]{1,24}",
        ) {
            let (qa, qb) = (QueueId::new(&a).unwrap(), QueueId::new(&b).unwrap());
            proptest::prop_assert_eq!(&*qa.text(), a.as_str());
            proptest::prop_assert_eq!(qa == qb, a == b);
            proptest::prop_assert_eq!(qa.cmp(&qb), a.cmp(&b));
            proptest::prop_assert_eq!(QueueId::find(&a), Some(qa));
        }
    }
}
