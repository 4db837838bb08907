//! The real window, under Xvfb on whatever adapter presents to it (lavapipe in CI).
