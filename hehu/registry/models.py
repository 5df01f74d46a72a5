"""The registry: one file per child (一人一档), the household, parents and their dated
conditions with evidence, the guardian, protection concerns and benefits already received.

Field vocabularies follow the facts document (DOMAIN.md §11) so that facts can be built
from a file, and a file from facts, without translation tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class HukouType(models.TextChoices):
    RURAL = "rural", _("农业户口")
    URBAN = "urban", _("非农业户口")


class Education(models.TextChoices):
    NONE = "none", _("未在学")
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR_SECONDARY = "junior_secondary", _("初中")
    SENIOR_SECONDARY = "senior_secondary", _("普通高中")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中等职业教育")
    HIGHER = "higher", _("高等教育")


class LivingArrangement(models.TextChoices):
    WITH_PARENTS = "with_parents", _("与父母同住")
    WITH_ONE_PARENT = "with_one_parent", _("与父亲或母亲同住")
    WITH_RELATIVES = "with_relatives", _("与亲属同住")
    ALONE = "alone", _("独自居住")
    FOSTER_FAMILY = "foster_family", _("家庭寄养")
    INSTITUTION = "institution", _("机构养育")


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class GuardianshipGrade(models.TextChoices):
    ABSENT = "absent", _("监护缺失")
    IMPROPER = "improper", _("监护失当")
    INSUFFICIENT = "insufficient", _("监护不足")
    NORMAL = "normal", _("监护正常")


class NoIdReason(models.TextChoices):
    NOT_YET_ISSUED = "not_yet_issued", _("尚未办理户籍登记")
    ABANDONED = "abandoned", _("弃婴（儿），身份不明")
    UNDOCUMENTED = "undocumented", _("无户籍")
    UNKNOWN = "unknown", _("暂不掌握")


class GuardianRelation(models.TextChoices):
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母、外祖父母")
    SIBLING = "sibling", _("兄、姐")
    OTHER_RELATIVE = "other_relative", _("其他亲属")
    OTHER_PERSON = "other_person", _("其他愿意担任监护人的个人")
    VILLAGE_COMMITTEE = "village_committee", _("村（居）民委员会")
    CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
    INSTITUTION = "institution", _("儿童福利机构")


class Household(models.Model):
    """The household the child belongs to, with the social assistance it receives."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("住址"), max_length=200, blank=True)
    dibao = models.BooleanField(_("低保家庭"), default=False)
    tekun = models.BooleanField(_("特困供养"), default=False)
    low_income = models.BooleanField(_("低收入家庭"), default=False)
    dibao_child_amount = models.DecimalField(
        _("低保儿童月补助（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    income_per_capita = models.DecimalField(
        _("家庭月人均收入（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")

    def __str__(self) -> str:
        return f"household {self.pk}"


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("姓名"), max_length=100)
    relation = models.CharField(_("与儿童关系"), max_length=50)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")

    def __str__(self) -> str:
        return self.name


class Child(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        MERGED = "merged", _("已合并")
        CLOSED = "closed", _("已销档")

    # Identity. The ID number is stored encrypted; search and duplicate checks use the
    # keyed blind index; lists show only the last four characters.
    id_number_encrypted = models.TextField(blank=True)
    id_number_index = models.CharField(max_length=64, null=True, blank=True)
    id_number_last4 = models.CharField(max_length=4, blank=True)
    no_id_reason = models.CharField(
        _("无身份证号原因"), max_length=32, choices=NoIdReason.choices, blank=True
    )
    name = models.CharField(_("姓名"), max_length=100)
    # Normalised name (simplified characters, no spaces) and its pinyin, for finding
    # likely duplicates written with variant characters.
    name_key = models.CharField(max_length=100, editable=False)
    name_pinyin = models.CharField(max_length=300, editable=False, blank=True)
    sex = models.CharField(_("性别"), max_length=6, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("现居住地"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    hukou_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("户籍所在地"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    hukou_type = models.CharField(_("户口性质"), max_length=8, choices=HukouType.choices)
    education = models.CharField(
        _("就学情况"), max_length=24, choices=Education.choices, default=Education.NONE
    )
    living_arrangement = models.CharField(
        _("居住情况"), max_length=20, choices=LivingArrangement.choices
    )
    disability_category = models.CharField(
        _("残疾类别"), max_length=16, choices=DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    disability_certificate = models.CharField(_("残疾证号"), max_length=40, blank=True)
    serious_illness = models.BooleanField(_("患重病"), default=False)
    serious_illness_name = models.CharField(_("重病名称"), max_length=100, blank=True)

    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    guardian_name = models.CharField(_("监护人姓名"), max_length=100, blank=True)
    guardian_relation = models.CharField(
        _("监护人关系"), max_length=24, choices=GuardianRelation.choices, blank=True
    )
    guardian_able_to_care = models.BooleanField(_("监护人有能力照料"), null=True, blank=True)
    guardian_phone = models.CharField(_("监护人电话"), max_length=20, blank=True)
    guardianship_grade = models.CharField(
        _("监护评估等级"), max_length=16, choices=GuardianshipGrade.choices, blank=True
    )

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    external_id = models.CharField(_("外部编号"), max_length=64, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("儿童")
        verbose_name_plural = _("儿童")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=models.Q(status="active") & models.Q(id_number_index__isnull=False),
                name="unique_active_id_number",
            ),
            models.CheckConstraint(
                condition=models.Q(disability_grade__isnull=True)
                | models.Q(disability_grade__gte=1, disability_grade__lte=4),
                name="disability_grade_1_to_4",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status"], name="child_region_status"),
            models.Index(fields=["birth_date"], name="child_birth_date"),
            # Lists and search: a jurisdiction is a range of region codes (see
            # selectors.region_scope_q), ordered by region then name, active files only; a
            # county's first page is then an index range scan with a LIMIT, not a sort.
            models.Index(
                fields=["region", "name"],
                condition=models.Q(status="active"),
                name="child_active_region_name",
            ),
            # Likely duplicates: same birth date and the same name key or pinyin key.
            models.Index(fields=["birth_date", "name_key"], name="child_birth_name_key"),
            models.Index(fields=["birth_date", "name_pinyin"], name="child_birth_name_pinyin"),
            # The filtered list of a county (living arrangement is the commonest filter): the
            # paginator's count becomes an index-only range scan instead of a heap visit of
            # every child in the county (docs/performance.md, 70x on 100,000 children).
            models.Index(
                fields=["living_arrangement", "region", "name"],
                condition=models.Q(status="active"),
                name="child_active_living_region",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return f"**************{self.id_number_last4}" if self.id_number_last4 else ""


class Parent(models.Model):
    class Role(models.TextChoices):
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")

    class VitalStatus(models.TextChoices):
        ALIVE = "alive", _("在世")
        DEAD = "dead", _("死亡")
        DECLARED_DEAD = "declared_dead", _("宣告死亡")
        DECLARED_MISSING = "declared_missing", _("宣告失踪")
        UNKNOWN = "unknown", _("查找不到")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="parents")
    role = models.CharField(_("身份"), max_length=6, choices=Role.choices)
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    vital_status = models.CharField(
        _("生存状态"), max_length=16, choices=VitalStatus.choices, default=VitalStatus.ALIVE
    )
    migrant_worker = models.BooleanField(_("外出务工"), default=False)
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "role"], name="one_parent_per_role")
        ]
        verbose_name = _("父母")
        verbose_name_plural = _("父母")

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}".strip()


class ParentCondition(models.Model):
    """A dated condition Q of a parent (DOMAIN.md §4), with the evidence for it."""

    class Type(models.TextChoices):
        SEVERE_DISABILITY = "severe_disability", _("重残")
        SERIOUS_ILLNESS = "serious_illness", _("重病")
        IMPRISONED = "imprisoned", _("服刑在押")
        COMPULSORY_REHAB = "compulsory_rehab", _("强制隔离戒毒")
        OTHER_RESTRICTION = "other_restriction", _("其他限制人身自由")
        LOST_CONTACT = "lost_contact", _("失联")
        GUARDIANSHIP_REVOKED = "guardianship_revoked", _("被撤销监护资格")
        DEPORTED = "deported", _("被遣送（驱逐）出境")

    class Evidence(models.TextChoices):
        CERTIFICATE = "certificate", _("证明文书")
        JUDGMENT = "judgment", _("法院判决")
        POLICE_RECEIPT = "police_receipt", _("公安机关报案回执")
        DISABILITY_CERTIFICATE = "disability_certificate", _("残疾证")
        MEDICAL_RECORD = "medical_record", _("医疗诊断证明")
        OTHER = "other", _("其他")

    parent = models.ForeignKey(Parent, on_delete=models.CASCADE, related_name="conditions")
    type = models.CharField(_("情形"), max_length=24, choices=Type.choices)
    since = models.DateField(_("开始日期"), null=True, blank=True)
    until = models.DateField(_("结束日期"), null=True, blank=True)
    term_months = models.PositiveIntegerField(_("期限（月）"), null=True, blank=True)
    disability_category = models.CharField(
        _("残疾类别"), max_length=16, choices=DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    illness_name = models.CharField(_("疾病名称"), max_length=100, blank=True)
    police_accepted_on = models.DateField(_("公安受理日期"), null=True, blank=True)
    police_receipt = models.BooleanField(_("有报案回执"), default=False)
    on = models.DateField(_("发生日期"), null=True, blank=True)
    supports_child = models.BooleanField(_("仍抚养子女"), null=True, blank=True)
    evidence_kind = models.CharField(
        _("证明材料"), max_length=24, choices=Evidence.choices, blank=True
    )
    evidence_reference = models.CharField(_("证明文号"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True)
                | models.Q(since__isnull=True)
                | models.Q(until__gte=models.F("since")),
                name="condition_ends_after_start",
            )
        ]
        verbose_name = _("父母情形")
        verbose_name_plural = _("父母情形")

    def __str__(self) -> str:
        return self.get_type_display()


class ProtectionConcern(models.Model):
    class Type(models.TextChoices):
        ABUSE = "abuse", _("虐待")
        NEGLECT = "neglect", _("忽视")
        ABANDONMENT = "abandonment", _("遗弃")
        SEXUAL_ABUSE = "sexual_abuse", _("性侵害")
        DOMESTIC_VIOLENCE = "domestic_violence", _("家庭暴力")
        LEFT_ALONE = "left_alone", _("独自留守无人照料")
        BEGGING = "begging", _("流浪乞讨")
        TRAFFICKING = "trafficking", _("拐卖")
        OTHER = "other", _("其他")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="concerns")
    type = models.CharField(_("类型"), max_length=20, choices=Type.choices)
    substantiated = models.BooleanField(_("已核实"), default=False)
    since = models.DateField(_("发生日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("保护关切")
        verbose_name_plural = _("保护关切")

    def __str__(self) -> str:
        return self.get_type_display()


class Receiving(models.Model):
    """A benefit the child already receives (input for top-up rules)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="receiving")
    programme = models.CharField(_("项目"), max_length=40)
    monthly_amount = models.DecimalField(_("月金额（元）"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("已享受待遇")
        verbose_name_plural = _("已享受待遇")

    def __str__(self) -> str:
        return f"{self.programme} {self.monthly_amount}"


class AssessedNeed(models.Model):
    """A need the child's latest submitted needs assessment found (DOMAIN.md §6).

    Written only by submitting a needs assessment (hehu.registry.services.needs), which
    replaces the child's set; a fact of the child (`assessed_needs`) that policies read.
    """

    class Domain(models.TextChoices):
        BASIC_LIVING = "basic_living", _("基本生活")
        HEALTH_MEDICAL = "health_medical", _("医疗健康")
        REHABILITATION = "rehabilitation", _("康复")
        EDUCATION = "education", _("教育")
        PSYCHOLOGICAL = "psychological", _("心理健康")
        FAMILY_GUARDIANSHIP = "family_guardianship", _("家庭功能与监护")
        SAFETY = "safety", _("安全")
        SOCIAL_INTEGRATION = "social_integration", _("社会融入")

    class Level(models.TextChoices):
        HIGH = "high", _("需求高")
        MEDIUM = "medium", _("需求中")
        LOW = "low", _("需求低")

    class Support(models.TextChoices):
        CASH = "cash", _("资金")
        IN_KIND = "in_kind", _("实物")
        SERVICE = "service", _("服务")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="assessed_needs")
    domain = models.CharField(_("需求领域"), max_length=30, choices=Domain.choices)
    level = models.CharField(_("需求程度"), max_length=10, choices=Level.choices)
    support = models.CharField(_("支持方式"), max_length=10, choices=Support.choices)
    assessed_on = models.DateField(_("评估日期"))

    class Meta:
        verbose_name = _("评估需求")
        verbose_name_plural = _("评估需求")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "domain"], name="assessed_need_once_per_domain"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_domain_display()}：{self.get_level_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"children/{instance.child_id}/{filename}"


class Attachment(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=40, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    content_type = models.CharField(_("文件格式"), max_length=40, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.title
