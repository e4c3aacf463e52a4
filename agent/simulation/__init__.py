"""``mentor-agent simulate``: the real rules and runner over N simulated weeks, in a throwaway program.

    synthetic.py   a seeded roster of N pairs (realistic zones, working hours, countries) as TOML
    behaviour.py   what simulated people do and when (seeded): agendas on time, late or never,
                   notes, silent pairs, declines, out-of-office spans, invitation answers
    mail.py        the mail they write, as raw bytes the real understanding pipeline reads
    sandbox.py     the throwaway program: a temporary folder with its own store, Maildir folders,
                   .ics folder, roster and config pointing at the configured rules and templates
    driver.py      the clock: deliver simulated mail, ``agent.runner.tick`` at every event, count
                   what would be sent per week and per rule

Nothing leaves the sandbox: outbound mail goes to its Maildir, which is deleted with it.
"""
