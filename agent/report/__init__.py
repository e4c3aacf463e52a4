"""``mentor-agent report --html``: the program health page with inline SVG charts.

    html.py   the page: the health table and one section per pair (pure: values in, HTML out)
    svg.py    the charts: each pair's week of working hours with the booked meeting, meetings held
"""
