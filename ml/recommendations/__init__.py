"""Recommendations on top of the optimizer's ranked packages: a risk score per offer and per
package (``risk``) and a plain-language explanation of the ranking (``explain``).

Pure functions of their inputs: no database, Dagster or API code here.
"""
