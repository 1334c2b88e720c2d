"""Email digests of new publications: manifest -> selection -> rendering -> backend, with a
ledger so each (language, period) goes out exactly once. See newsletter/digest/README.md."""
