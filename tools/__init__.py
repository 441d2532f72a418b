from .bulk_insert import insert_pairs, insert_rows
from .qr_code import qr_code_data_uri
