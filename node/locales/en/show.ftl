# `message show` and `case show`: what the reader acts on comes first.

show-to-act = to act
show-this-node = this node
show-requested-side = { $node } (requested side): { $action }
show-requesting-side = { $node } (requesting side): { $action }
show-act-not-received = nobody yet: { $node } has not received it
show-act-assess = acknowledge it and assess it
show-act-decide = decide on it (accept, postpone or refuse)
show-act-supplement = supply the information asked for
show-act-execute = execute it and report
show-act-close = close it once the results are in
show-act-nobody = nobody: the request is finished
show-confidential-label = CONFIDENTIAL
show-confidential = the requested side keeps the request itself confidential (UNTOC art. 18(20))
show-heading-delivery = Delivery
show-heading-record = Record
