import os

# The fault ledger takes minutes: `make faults` runs it (it sets LEDGER_OPERATIONS), `make test`
# does not collect it.
collect_ignore = [] if os.environ.get("LEDGER_OPERATIONS") else ["test_fault_ledger.py"]
