"""CSV files for the import tests and the benchmark: orders and products with stock, good or broken."""
from __future__ import annotations

ORDER_HEADER = ("order_ref,email,name,address_line1,address_line2,city,postcode,country,phone,payment_method,"
                "sku,quantity,notes\n")
PRODUCT_HEADER = "sku,name,price,warehouse,on_hand,bin\n"


def order_row(ref: str, sku: str = "MUG", quantity="1", *, email: str = "ana@example.com",
              city: str = "Leeds", method: str = "card") -> str:
    """One line of an orders file (one order line)."""
    return f"{ref},{email},Ana Buyer,1 Mill Lane,,{city},LS1 4AP,GB,,{method},{sku},{quantity},\n"


def orders_csv(*rows: str) -> bytes:
    """An orders file with its header."""
    return (ORDER_HEADER + "".join(rows)).encode()


def products_csv(*rows: str) -> bytes:
    """A products-with-stock file with its header."""
    return (PRODUCT_HEADER + "".join(rows)).encode()


def write_orders_file(path, orders: int, lines_per_order: int = 2, skus=("MUG", "LAMP")) -> int:
    """A large orders file written row by row (never held whole); returns the number of rows."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(ORDER_HEADER)
        for number in range(orders):
            for line in range(lines_per_order):
                out.write(order_row(f"B-{number}", skus[line % len(skus)], "1",
                                    email=f"buyer{number % 5000}@example.com", method="bank_transfer"))
                rows += 1
    return rows
