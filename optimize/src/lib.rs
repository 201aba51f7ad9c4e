//! tg-optimize (being written).
