"""`python -m etl user`'s accounts: the account store lives in warehouse/accounts.py (the dashboard's
sign-in reads it, and the ui may not import etl); this module keeps the names the command line uses.
"""

from warehouse.accounts import ACCOUNTS_FILE, Account, AccountError, accounts, add, disable, normalise

__all__ = ["ACCOUNTS_FILE", "Account", "AccountError", "accounts", "add", "disable", "normalise"]
