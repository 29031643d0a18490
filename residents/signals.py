from django.dispatch import Signal

# Sent by residents.services.service_point_save (sender: ServicePoint, point: the saved point), so that a
# feature can prepare what a new point of its kind needs (elderly care: a first canteen's meal prices)
# without the registry knowing any feature.
service_point_saved = Signal()
