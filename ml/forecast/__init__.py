"""Price forecasters: one protocol, baselines, a gradient-boosted quantile model and a global
deep model, all evaluated by one harness."""
