from django.db import models

from jiedao.scope import places_filter


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(places_filter(user, subdistrict="resident__community__subdistrict_id",
                                         community="resident__community_id", grid="resident__grid_id"))


class DisbursementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(places_filter(user, subdistrict="case__resident__community__subdistrict_id",
                                         community="case__resident__community_id", grid="case__resident__grid_id"))

    def live(self):
        """What was paid: every total counts these only (a voided payment stays listed, counting in none)."""
        return self.filter(voided_at__isnull=True)

    def voided(self):
        return self.filter(voided_at__isnull=False)


class CaseDocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A scan is seen by those who see its case."""
        return self.filter(places_filter(user, subdistrict="case__resident__community__subdistrict_id",
                                         community="case__resident__community_id", grid="case__resident__grid_id"))


class WishQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A wish's details (the person) are seen by those who see its resident; the public list is
        `published()` read through its own serializer, which names no one."""
        return self.filter(places_filter(user, subdistrict="resident__community__subdistrict_id",
                                         community="resident__community_id", grid="resident__grid_id"))

    def published(self):
        return self.filter(state="published")
