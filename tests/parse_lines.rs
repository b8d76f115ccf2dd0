//! Parser table tests (being written).
