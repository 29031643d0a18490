from django.dispatch import Signal

# Sent by residents.services.service_point_save (sender: ServicePoint, point: the saved point), so that a
# feature can prepare what a new point of its kind needs (elderly care: a first canteen's meal prices)
# without the registry knowing any feature.
service_point_saved = Signal()

# Sent by volunteers.services.pairing_visit_record (sender: the Pairing model; resident, actor, visited_at, notes):
# a pairing's visit to its key resident is a visit of the resident's plan. The visits app records it through its
# own visit_record (its rules, its scope) and answers with the Visit, so the plan and the monthly visit rate count
# it, and neither feature imports the other: the shared piece is this one signal, in the layer both stand on.
pairing_visit_made = Signal()
