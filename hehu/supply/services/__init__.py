"""Every state change of in-kind supply: the catalogue, the stock and the distributions."""

from hehu.supply.services.catalogue import item_create, item_update, stock_adjust, stock_receive
from hehu.supply.services.distributions import cancel_distribution, distribute, may_cancel

__all__ = [
    "cancel_distribution",
    "distribute",
    "item_create",
    "item_update",
    "may_cancel",
    "stock_adjust",
    "stock_receive",
]
