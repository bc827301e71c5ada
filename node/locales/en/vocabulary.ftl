# The protocol's machine values (`take-evidence`) as a reader sees them. The id is the value's
# kind and its machine name; the machine name itself stays English on the wire and in --json.

assistance-type-take-evidence = taking evidence or statements from persons
assistance-type-serve-documents = effecting service of judicial documents
assistance-type-search-seizure-freezing = executing searches and seizures, and freezing
assistance-type-examine-objects-sites = examining objects and sites
assistance-type-information-evidence-expertise = providing information, evidentiary items and expert evaluations
assistance-type-records = providing originals or certified copies of records
assistance-type-trace-proceeds = identifying or tracing proceeds of crime, property or instrumentalities
assistance-type-voluntary-appearance = facilitating the voluntary appearance of persons
assistance-type-other = other assistance not contrary to domestic law
assistance-type-videoconference = hearing by videoconference
assistance-type-locate-person = locating a missing or wanted person
assistance-type-transfer-proceedings = transfer of criminal proceedings
assistance-type-joint-investigation-team = joint investigation team
assistance-type-preserve-digital-evidence = expedited preservation of electronic evidence

person-role-suspect = suspect
person-role-accused = accused
person-role-victim = victim
person-role-witness = witness
person-role-expert = expert
person-role-other = other

proceedings-stage-investigation = investigation
proceedings-stage-prosecution = prosecution
proceedings-stage-trial = trial
proceedings-stage-enforcement = enforcement of a judgment

request-status-acknowledged = acknowledged
request-status-under-review = under review
request-status-additional-information-requested = additional information requested
request-status-consultation = consultation on conditions
request-status-accepted = accepted
request-status-postponed = postponed
request-status-refused = refused
request-status-in-execution = in execution
request-status-partially-executed = partially executed
request-status-executed = executed
request-status-withdrawn = withdrawn
request-status-closed = closed
request-status-supplemented = supplemented

request-state-submitted = submitted
request-state-delivered = delivered
request-state-acknowledged = acknowledged
request-state-under-review = under review
request-state-additional-information-requested = additional information requested
request-state-supplemented = supplemented
request-state-consultation = consultation on conditions
request-state-accepted = accepted
request-state-postponed = postponed
request-state-refused = refused
request-state-in-execution = in execution
request-state-partially-executed = partially executed
request-state-executed = executed
request-state-withdrawn = withdrawn
request-state-closed = closed

delivery-state-queued = queued
delivery-state-delivered = delivered
delivery-state-received = received
delivery-state-refused = refused by the recipient

refusal-ground-not-in-conformity = the request does not conform to article 18
refusal-ground-essential-interests = prejudice to sovereignty, security, ordre public or other essential interests
refusal-ground-prohibited-by-domestic-law = domestic law prohibits the action for a similar offence
refusal-ground-contrary-to-legal-system = contrary to the legal system on mutual legal assistance

use-restriction-stated-purpose-only = use only for the stated purpose
use-restriction-no-evidence-without-consent = not to be used as evidence without consent
use-restriction-no-onward-transmission = not to be transmitted further
use-restriction-confidential = keep confidential
