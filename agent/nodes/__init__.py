"""The graph's nodes, one module per stage of the road (agent/graph.py wires them):

load_history → decide → search → read → rank → select → condense → answer ∥ related → cite → save
"""
