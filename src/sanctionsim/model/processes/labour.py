"""Labour use: perishable goods (person-months of labour) left at month end are used at home:
consumed, not stocked."""

from __future__ import annotations

from sanctionsim.model.context import Month
from sanctionsim.model.process import Process


class LabourUse(Process):
    """Consume what is left of perishable goods at the end of the month."""

    name = "labour use"
    title = "person-months not sent abroad are used at home"

    def step(self, m: Month) -> None:
        """Consume the stocks of perishable goods."""
        self.ledger.consume(self.structure.perishable)
