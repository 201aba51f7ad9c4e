//! tg-morph (being written).
