# `rogatory demo`: the story it tells while three nodes exchange a request on this machine.

demo-country-tm = Turkmenistan
demo-country-uz = Uzbekistan
demo-country-de = Germany
demo-title = Rogatory demo: a federation of 3 nodes on loopback ({ $nodes })
demo-data = data: { $dir }
demo-step-request = 1. tm → de  MLA request { $id } (case { $case }): delivered, receipt signed by de (de's log entry { $index })
demo-step-inbox = 2. de       finds it in its inbox: { $kind } from tm, { $state } and receipted
demo-step-status = { $step }. de → tm  status { $status }: delivered, receipt signed by tm (tm's log entry { $index })
demo-step-updates = 5. tm       sees both updates in its inbox: { $statuses }
demo-step-agree = tm and de agree where the request stands: { $state }
demo-step-uz = 6. uz       has an empty inbox: it is not a party to this case
demo-step-audit = 7. audit logs verified: { $summary }
demo-audit-node = { $node } { $count ->
        [one] { $count } entry
       *[other] { $count } entries
    } OK
demo-done-kept = Done. The nodes were stopped; their keys, audit logs and messages are in { $dir }.
demo-look-around = To look around, start a node and ask it, for example:
demo-done = Done. The nodes were stopped and their files removed; use --keep or --dir DIR to keep them.
