"""The search index: one document per question or answer, holding stemmed terms."""

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class SearchDocument(SQLModel, table=True):
    """Terms are stemmed in Python (French and English Snowball) so SQLite FTS5 and PostgreSQL
    full-text search index the same words and rank the same way."""

    __tablename__ = "search_document"
    __table_args__ = (UniqueConstraint("question_id", "answer_id", name="uq_search_document_target"),)

    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", index=True)
    answer_id: int | None = Field(default=None, foreign_key="answer.id", ondelete="CASCADE")
    title_terms: str = Field(default="")
    body_terms: str = Field(default="")
