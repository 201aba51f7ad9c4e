//! tg-submit (being written).
