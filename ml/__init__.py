"""Forecasting, buy/wait policy, package optimizer, preference learning and risk.

Not built yet (issues "Price forecasting" and "Package optimizer"). The spine publishes the
cheapest package per watch from dbt until the optimizer replaces it.
"""
