//! tg-action (being written).
