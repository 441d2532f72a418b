from .bulk_insert import insert_pairs, insert_rows
